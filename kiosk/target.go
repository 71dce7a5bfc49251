package main

import "fyne.io/fyne/v2"

// target returns the size of a touch target drawn at least want: never
// smaller than the kiosk's smallest touch target (uiOptions.MinTarget) either
// way.
func (a *kioskApp) target(want fyne.Size) fyne.Size {
	m := a.opts.MinTarget
	return want.Max(fyne.NewSize(m, m))
}
