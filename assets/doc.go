// Package assets holds what hallq's apps embed or load beside their code: the
// chime a hall display plays before each voice announcement (chime.wav,
// written by gen/chime, so its source is in the repository), and the Chinese
// font the Fyne apps draw with.
//
// The font is not shipped: a face covering every Chinese character is
// 15-20 MB. CJKFont takes it from the fonts the Debian package fonts-noto-cjk
// installs (deploy/setup.sh installs it; Noto Sans CJK is under the SIL Open
// Font License), extracting the Simplified Chinese face from the .ttc
// collection into a standalone OpenType font, which Fyne can load. Using that
// face whatever the system locale gives mainland Chinese glyph shapes (the
// collection's Japanese face would otherwise be picked for a C or English
// locale) and no missing glyphs, even for rare characters in staff names.
package assets
