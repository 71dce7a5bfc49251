// Package device holds what the hall's devices, the kiosk and the display,
// share of their settings: the check of the hall server's URL, of the window
// size and of the font file, and where a device keeps its state by default.
package device

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultSize is the window size of a device that is not full screen.
const DefaultSize = "1920x1080"

// CheckServer checks -server, the hall server's base URL.
func CheckServer(server string) error {
	if server == "" {
		return errors.New("-server: the hall server's URL is required, such as http://192.168.1.10:8080")
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-server: %q: want http://host[:port] or https://host[:port]", server)
	}
	return nil
}

// ParseSize reads -size, a window size as WIDTHxHEIGHT of at least 320x240.
func ParseSize(size string) (width, height int, err error) {
	w, h, ok := strings.Cut(size, "x")
	width, err = strconv.Atoi(w)
	if err == nil {
		height, err = strconv.Atoi(h)
	}
	if !ok || err != nil || width < 320 || height < 240 {
		return 0, 0, fmt.Errorf("-size: %q: want WIDTHxHEIGHT, such as 1920x1080", size)
	}
	return width, height, nil
}

// CheckFont checks -font, a font file to draw with; "" (the system's Chinese
// font) is fine.
func CheckFont(font string) error {
	if font == "" {
		return nil
	}
	if _, err := os.Stat(font); err != nil {
		return fmt.Errorf("-font: %w", err)
	}
	return nil
}

// DataDir returns where the device named app ("kiosk", "display") keeps its
// state when -data is not given: $XDG_STATE_HOME/hallq/app, else
// $HOME/.local/state/hallq/app, as the XDG base directory specification
// says; never the directory the device was started in. It returns "" when
// neither variable is set (getenv reads the environment).
func DataDir(app string, getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if dir := getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "hallq", app)
	}
	if home := getenv("HOME"); filepath.IsAbs(home) {
		return filepath.Join(home, ".local", "state", "hallq", app)
	}
	return ""
}
