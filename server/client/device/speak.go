package device

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// DefaultSpeakCmd is the speak command of a device that speaks, when its
// configuration gives none: espeak-ng, in the voice of the language.
const DefaultSpeakCmd = "espeak-ng -v {voice}"

// voices are the espeak-ng voices of the spoken languages, for {voice}.
var voices = map[string]string{"zh": "cmn", "en": "en"}

// Speak speaks text in lang (zh or en) with a speak command: command is run
// through sh -c with {lang} replaced by the language and {voice} by its
// espeak-ng voice (cmn or en), the text (and a newline) on its standard input
// and HALLQ_LANG set to the language. Displays speak calls with it, kiosks
// their prompts in accessible mode.
func Speak(ctx context.Context, command, lang, text string) error {
	cmd := strings.NewReplacer("{lang}", lang, "{voice}", voices[lang]).Replace(command)
	return RunCommand(ctx, cmd, []byte(text+"\n"), lang)
}

// RunCommand runs command through sh -c with stdin, and HALLQ_LANG set to
// lang, and returns its failure with the start of its output.
func RunCommand(ctx context.Context, command string, stdin []byte, lang string) error {
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = append(os.Environ(), "HALLQ_LANG="+lang)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		return fmt.Errorf("%s: %w: %s", command, err, msg)
	}
	return nil
}

// CommandMissing returns the program a shell command starts if it is not
// installed, for a warning at start; "" if it is (or cannot be told).
func CommandMissing(command string) string {
	f := strings.Fields(command)
	if len(f) == 0 || strings.ContainsAny(f[0], "=$|;&<>()`'\"") {
		return ""
	}
	if _, err := exec.LookPath(f[0]); err != nil {
		return f[0]
	}
	return ""
}
