package halltest

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"testing"
)

// Screenshot saves the whole screen of the X display (":3") as a PNG file at
// path, with ImageMagick's import, and returns the image. It returns nil when
// the file cannot be decoded yet (the X server may still be writing a frame);
// a failing import fails the test.
func Screenshot(t *testing.T, display, path string) image.Image {
	t.Helper()
	cmd := exec.Command("import", "-display", display, "-window", "root", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("screenshot with import (deploy/setup.sh installs imagemagick): %v\n%s", err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil
	}
	return img
}
