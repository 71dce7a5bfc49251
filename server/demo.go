package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"hallq/server/config"
)

// demoConfig returns the demo hall. Its credentials are kept in the data
// directory's demo-credentials.json: a restarted demo server accepts the same
// kiosk, display and staff credentials as before.
func demoConfig(credPath string) (*config.Config, config.DemoSecrets, error) {
	var prev config.DemoSecrets
	data, err := os.ReadFile(credPath)
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &prev); err != nil {
			return nil, prev, fmt.Errorf("%s: %w (delete it to generate new demo credentials)", credPath, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, prev, err
	}
	return config.DemoWith(prev)
}
