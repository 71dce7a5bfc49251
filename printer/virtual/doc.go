// Package virtual emulates an ESC/POS thermal printer for development, demos
// and tests: it reads the byte stream a kiosk sends (over a pseudo-terminal,
// a TCP connection or any io.ReadWriter), answers real-time status queries
// from simulated conditions (paper out, cover open, paper near end, no reply),
// lays out each job as the printer would (Parser), and renders it to a PNG
// with a CJK font (Renderer), native and raster QR codes drawn dot for dot.
//
// A job ends at a cut command (GS V, ESC i, ESC m), or when the connection it
// came on closes. Printer.Serve runs one connection; OpenPTY creates a
// pseudo-terminal that survives the writer closing and reopening it, as a
// kiosk does when it restarts.
package virtual
