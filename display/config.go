package main

import (
	"errors"
	"flag"
	"fmt"
	"hallq/server/client/device"
	"io"
	"strings"

	"github.com/BurntSushi/toml"
)

// Display modes.
const (
	ModeHall   = "hall"   // the hall board
	ModeWindow = "window" // the small screen above one window
)

// Defaults of the configuration.
const (
	DefaultSpeakCmd  = device.DefaultSpeakCmd
	DefaultChimeCmd  = "aplay -q"
	DefaultScrollFPS = 30
)

// Config is how a display is set up: by flags, or by the same keys in a TOML
// file given with -config (flags given on the command line win).
type Config struct {
	Server string // base URL of the hall server
	Token  string // the display's bearer token
	// CA is a PEM file of certificate authorities trusted for an https://
	// server besides the system's; empty for the system's only.
	CA     string
	Mode   string // ModeHall or ModeWindow
	Window string // window ID in window mode; empty asks the server which window the token's device stands above
	// SpeakCmd is run through sh -c for each sentence of an announcement, with
	// the text on stdin; {lang} becomes zh or en and {voice} cmn or en. Empty
	// turns voice off.
	SpeakCmd string
	// ChimeCmd is run through sh -c with the chime (a WAV file) on stdin before
	// each announcement. Empty plays no chime.
	ChimeCmd string
	// ScrollFPS is how many times a second the hall board's notices move; 0
	// shows them one at a time instead, for screens drawn without a graphics
	// processor.
	ScrollFPS  int
	Data       string // directory of the local replica of the public log
	Fullscreen bool
	Width      int // window size when not full screen
	Height     int
	Font       string // a font file to draw with instead of the system's Chinese font
	LogLevel   string
	// About shows the about screen (hall, server, checkpoint key, where to
	// verify) when the display starts, until it is closed or times out.
	About bool
}

// fileConfig is the TOML file; nil fields are not set by it.
type fileConfig struct {
	Server     *string `toml:"server"`
	Token      *string `toml:"token"`
	CA         *string `toml:"ca"`
	Mode       *string `toml:"mode"`
	Window     *string `toml:"window"`
	SpeakCmd   *string `toml:"speak_cmd"`
	ChimeCmd   *string `toml:"chime_cmd"`
	ScrollFPS  *int    `toml:"scroll_fps"`
	Data       *string `toml:"data"`
	Fullscreen *bool   `toml:"fullscreen"`
	Size       *string `toml:"size"`
	Font       *string `toml:"font"`
	LogLevel   *string `toml:"log_level"`
	About      *bool   `toml:"about"`
}

// parseConfig reads the command line, the configuration file it names, and
// HALLQ_TOKEN from getenv when no token is given otherwise.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*Config, error) {
	fs := flag.NewFlagSet("display", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: display -server URL -token T -mode hall|window [-window ID] [flags]\n\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nThe same keys (server, token, ca, mode, window, speak_cmd, chime_cmd, scroll_fps, data,\n"+
			"fullscreen, size, font, log_level, about) may be given in a TOML file with -config; flags win.\n"+
			"The token may also come from the environment variable HALLQ_TOKEN.\n")
	}
	cfgPath := fs.String("config", "", "TOML configuration file with the same keys as the flags")
	server := fs.String("server", "", "base URL of the hallq server, such as http://192.168.1.10:8080")
	token := fs.String("token", "", "the display's device token (or HALLQ_TOKEN)")
	ca := fs.String("ca", "", "PEM file of a certificate authority to trust for an https:// server (the hall's own CA)")
	mode := fs.String("mode", ModeHall, "hall (the hall board) or window (the screen above one window)")
	window := fs.String("window", "", "window ID in window mode (default: the window the token's device is enrolled for)")
	speak := fs.String("speak-cmd", DefaultSpeakCmd, "command speaking a sentence read from stdin ({lang}: zh or en, {voice}: cmn or en); \"\" turns voice off")
	chime := fs.String("chime-cmd", DefaultChimeCmd, "command playing the chime, a WAV file read from stdin; \"\" for no chime")
	scrollFPS := fs.Int("scroll-fps", DefaultScrollFPS, "how many times a second the notices move; 0 shows them one at a time (screens without a graphics processor)")
	data := fs.String("data", "", "directory of the local replica of the public log (default: $XDG_STATE_HOME/hallq/display, else ~/.local/state/hallq/display)")
	fullscreen := fs.Bool("fullscreen", true, "fill the screen")
	size := fs.String("size", device.DefaultSize, "window size when not full screen")
	font := fs.String("font", "", "font file (.ttf, .otf or .ttc) to draw with; default: the system's Noto Sans CJK SC")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	about := fs.Bool("about", false, "show the about screen (hall, server, checkpoint key, where to verify) at start; F1 or I, a tap on the status line or SIGUSR1 show it any time")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	if *cfgPath != "" {
		var fc fileConfig
		md, err := toml.DecodeFile(*cfgPath, &fc)
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", *cfgPath, err)
		}
		if keys := md.Undecoded(); len(keys) > 0 {
			return nil, fmt.Errorf("config %s: unknown key %q (known: server, token, ca, mode, window, speak_cmd, chime_cmd, scroll_fps, data, fullscreen, size, font, log_level, about)", *cfgPath, keys[0].String())
		}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for _, kv := range []struct {
			flag string
			dst  *string
			val  *string
		}{
			{"server", server, fc.Server}, {"token", token, fc.Token}, {"ca", ca, fc.CA}, {"mode", mode, fc.Mode},
			{"window", window, fc.Window}, {"speak-cmd", speak, fc.SpeakCmd}, {"chime-cmd", chime, fc.ChimeCmd},
			{"data", data, fc.Data}, {"size", size, fc.Size}, {"font", font, fc.Font}, {"log-level", logLevel, fc.LogLevel},
		} {
			if kv.val != nil && !set[kv.flag] {
				*kv.dst = *kv.val
			}
		}
		if fc.Fullscreen != nil && !set["fullscreen"] {
			*fullscreen = *fc.Fullscreen
		}
		if fc.ScrollFPS != nil && !set["scroll-fps"] {
			*scrollFPS = *fc.ScrollFPS
		}
		if fc.About != nil && !set["about"] {
			*about = *fc.About
		}
	}

	c := &Config{
		Server: strings.TrimRight(strings.TrimSpace(*server), "/"), Token: strings.TrimSpace(*token), CA: strings.TrimSpace(*ca),
		Mode: *mode, Window: strings.TrimSpace(*window), SpeakCmd: strings.TrimSpace(*speak), ChimeCmd: strings.TrimSpace(*chime),
		ScrollFPS: *scrollFPS, Data: *data, Fullscreen: *fullscreen, Font: *font, LogLevel: *logLevel, About: *about,
	}
	if c.Data == "" {
		c.Data = device.DataDir("display", getenv)
	}
	if c.Token == "" && getenv != nil {
		c.Token = strings.TrimSpace(getenv("HALLQ_TOKEN"))
	}
	if err := c.check(*size); err != nil {
		return nil, err
	}
	return c, nil
}

// check validates the configuration and reads the window size.
func (c *Config) check(size string) error {
	if err := device.CheckServer(c.Server); err != nil {
		return err
	}
	if c.Mode != ModeHall && c.Mode != ModeWindow {
		return fmt.Errorf("-mode: %q: want hall or window", c.Mode)
	}
	if c.Mode == ModeHall && c.Window != "" {
		return fmt.Errorf("-window %s: only a window-mode display shows one window (add -mode window)", c.Window)
	}
	if c.ScrollFPS < 0 || c.ScrollFPS > 120 {
		return fmt.Errorf("-scroll-fps: %d: want 0 (no scrolling) to 120", c.ScrollFPS)
	}
	if c.Data == "" {
		return errors.New("-data: a directory for the local replica is required")
	}
	var err error
	if c.Width, c.Height, err = device.ParseSize(size); err != nil {
		return err
	}
	return device.CheckFont(c.Font)
}
