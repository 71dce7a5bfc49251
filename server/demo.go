package main

import (
	"hallq/server/config"
)

// demoConfig returns the demo hall with fresh credentials.
func demoConfig(dataDir string) (*config.Config, config.DemoSecrets, error) {
	return config.Demo()
}
