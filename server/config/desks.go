package config

import (
	"cmp"
	"fmt"
	"strings"

	"hallq/printer"
)

// RoleReception is the role of staff at a reception desk (导服台): they
// issue numbers on applicants' behalf, assign priority classes after checking
// a card, and check in appointments for applicants. They call no numbers.
const RoleReception Role = "reception"

// DefaultDeskProfile is the printer model of a desk printer whose entry
// names none.
const DefaultDeskProfile = "generic-80"

// Desk is a reception desk: where staff issue numbers on applicants' behalf,
// and the receipt printer beside it, if any.
type Desk struct {
	ID   string
	Name Text
	// Services are the services the desk issues; empty means all of them.
	Services []string
	// At most one printer line: a serial port (with Baud), a network printer
	// (host:port) or a device file. None means the desk shows the number to
	// read out instead of printing it.
	Printer       string
	Baud          int
	PrinterTCP    string
	PrinterDevice string
	// Profile is the printer model, by preset name.
	Profile printer.Profile
}

// HasPrinter reports whether the desk has a receipt printer.
func (d *Desk) HasPrinter() bool {
	return d.Printer != "" || d.PrinterTCP != "" || d.PrinterDevice != ""
}

type fileDesk struct {
	ID            string   `toml:"id"`
	Name          string   `toml:"name"`
	NameEN        string   `toml:"name_en"`
	Services      []string `toml:"services"`
	Printer       string   `toml:"printer"`
	Baud          int      `toml:"baud"`
	PrinterTCP    string   `toml:"printer_tcp"`
	PrinterDevice string   `toml:"printer_device"`
	Profile       string   `toml:"profile"`
}

func (p *parser) desks(raw []fileDesk, services map[string]bool) []Desk {
	var out []Desk
	ids := map[string]int{}
	for i, d := range raw {
		f := fmt.Sprintf("desks[%d]", i)
		if !validUsername(d.ID) {
			p.errorf(f+".id", "%q must be 1-32 letters, digits, '.', '-' or '_'", d.ID)
		} else if j, dup := ids[d.ID]; dup {
			p.errorf(f+".id", "%q is also used by desks[%d]", d.ID, j)
		} else {
			ids[d.ID] = i
		}
		if strings.TrimSpace(d.Name) == "" {
			p.errorf(f+".name", "a name is required, so that staff can tell desks apart")
		}
		for j, s := range d.Services {
			if !services[s] {
				p.errorf(fmt.Sprintf("%s.services[%d]", f, j), "unknown service %q", s)
			}
		}
		lines := 0
		for _, l := range []string{d.Printer, d.PrinterTCP, d.PrinterDevice} {
			if strings.TrimSpace(l) != "" {
				lines++
			}
		}
		if lines > 1 {
			p.errorf(f+".printer", "give at most one of printer, printer_tcp and printer_device")
		}
		baud := d.Baud
		if d.Printer != "" {
			baud = cmp.Or(baud, 9600)
			if baud < 1200 || baud > 921600 {
				p.errorf(f+".baud", "%d must be between 1200 and 921600", baud)
			}
		} else if d.Baud != 0 {
			p.errorf(f+".baud", "only a serial printer (printer = \"/dev/ttyUSB0\") has a baud rate")
		}
		prof, err := printer.LookupProfile(cmp.Or(d.Profile, DefaultDeskProfile))
		if err != nil {
			p.errorf(f+".profile", "%v", err)
		}
		out = append(out, Desk{ID: d.ID, Name: Text{ZH: d.Name, EN: d.NameEN}, Services: d.Services,
			Printer: strings.TrimSpace(d.Printer), Baud: baud, PrinterTCP: strings.TrimSpace(d.PrinterTCP),
			PrinterDevice: strings.TrimSpace(d.PrinterDevice), Profile: prof})
	}
	return out
}
