package config

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the hall's zone must load on machines without tzdata
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"golang.org/x/crypto/bcrypt"

	"hallq/server/queue"
)

// parser turns one configuration file into a Config, collecting the problems.
type parser struct {
	name  string    // file name for messages
	dir   string    // directory for relative photo paths; "" to leave them unchecked
	lines *keyIndex // where each field is written
	errs  []*Error
}

func (p *parser) errorf(field, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.name, Field: field, Line: p.lines.line(field), Msg: fmt.Sprintf(format, args...)})
}

// failed returns the problems found, sorted by line, as one error; nil if none.
func (p *parser) failed() error {
	if len(p.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(p.errs, func(a, b *Error) int {
		// Problems without a line (defaults, cross references) come last.
		return cmp.Compare(lineOrder(a.Line), lineOrder(b.Line))
	})
	errs := make([]error, 0, min(len(p.errs), maxErrors)+1)
	for i, e := range p.errs {
		if i == maxErrors {
			errs = append(errs, fmt.Errorf("config %s: and %d more problems", p.name, len(p.errs)-maxErrors))
			break
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

func lineOrder(line int) int {
	if line == 0 {
		return int(^uint(0) >> 1)
	}
	return line
}

func parse(data []byte, name, dir string) (*Config, error) {
	p := &parser{name: name, dir: dir}
	var f file
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) { // syntax
			p.errs = append(p.errs, &Error{File: name, Line: pe.Position.Line, Msg: pe.Message})
		} else { // a table where a list belongs, or the reverse
			p.lines = indexKeys(string(data))
			p.errs = append(p.errs, p.decodeError(err, "", ""))
		}
		return nil, p.failed()
	}
	p.lines = indexKeys(string(data))

	var raw rawConfig
	p.decode(&md, f.Hall, "hall", "hall", &raw.hall)
	p.decode(&md, f.Rules, "rules", "rules", &raw.rules)
	p.decode(&md, f.Limits, "limits", "limits", &raw.limits)
	p.decode(&md, f.Keys, "keys", "keys", &raw.keys)
	p.decode(&md, f.Server, "server", "server", &raw.server)
	p.decode(&md, f.Federation, "federation", "federation", &raw.federation)
	p.decode(&md, f.Notify, "notify", "notify", &raw.notify)
	p.decode(&md, f.Feedback, "feedback", "feedback", &raw.feedback)
	raw.services = decodeAll[fileService](p, &md, f.Services, "services")
	raw.windows = decodeAll[fileWindow](p, &md, f.Windows, "windows")
	raw.staff = decodeAll[fileStaff](p, &md, f.Staff, "staff")
	raw.devices = decodeAll[fileDevice](p, &md, f.Devices, "devices")
	raw.desks = decodeAll[fileDesk](p, &md, f.Desks, "desks")
	raw.priorities = decodeAll[filePriority](p, &md, f.PriorityClasses, "priority_classes")
	raw.reasons = decodeAll[fileReason](p, &md, f.ManualReasons, "manual_reasons")
	raw.notices = decodeAll[fileNotice](p, &md, f.Notices, "notices")
	if len(p.errs) > 0 {
		return nil, p.failed()
	}
	// Unknown keys come before validation: a misspelt key is usually the cause of
	// the "missing" field validation would complain about next.
	if p.errs = p.unknownKeys(md); len(p.errs) > 0 {
		return nil, p.failed()
	}
	cfg := p.build(&raw)
	if err := p.failed(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// rawConfig is the file decoded into its tables, not yet validated.
type rawConfig struct {
	hall       fileHall
	services   []fileService
	windows    []fileWindow
	staff      []fileStaff
	devices    []fileDevice
	desks      []fileDesk
	priorities []filePriority
	reasons    []fileReason
	rules      fileRules
	notices    []fileNotice
	limits     fileLimits
	keys       fileKeys
	server     fileServer
	federation fileFederation
	notify     fileNotify
	feedback   fileFeedback
}

// decode decodes one table written under the unindexed key prefix, known in
// messages as field.
func (p *parser) decode(md *toml.MetaData, prim toml.Primitive, prefix, field string, v any) {
	if err := md.PrimitiveDecode(prim, v); err != nil {
		p.errs = append(p.errs, p.decodeError(err, prefix, field))
	}
}

func decodeAll[T any](p *parser, md *toml.MetaData, prims []toml.Primitive, prefix string) []T {
	out := make([]T, len(prims))
	for i, prim := range prims {
		p.decode(md, prim, prefix, fmt.Sprintf("%s[%d]", prefix, i), &out[i])
	}
	return out
}

// build validates the decoded file and assembles the Config.
func (p *parser) build(raw *rawConfig) *Config {
	h := &queue.Hall{}
	cfg := &Config{
		Hall:                 h,
		ServiceDescriptions:  map[string]Text{},
		PriorityDescriptions: map[string]Text{},
		Cards:                map[string]Card{},
	}
	p.hall(raw.hall, h, &cfg.Info)

	services := map[string]bool{}
	for i, s := range raw.services {
		f := fmt.Sprintf("services[%d]", i)
		services[s.ID] = true
		if s.AvgService.set && s.AvgService.d < time.Second {
			p.errorf(f+".avg_service", "%s is too short to be a service time", s.AvgService.d)
		}
		h.Services = append(h.Services, queue.Service{
			ID: s.ID, NameZH: s.NameZH, NameEN: s.NameEN, Prefix: s.Prefix, Digits: s.Digits,
			DailyCap: s.DailyCap, PerIdentityDaily: s.PerIdentityDaily, RealName: s.RealName,
			AvgService: s.AvgService.d, Appointments: p.appointments(f, s.Appointments),
		})
		if s.DescriptionZH != "" || s.DescriptionEN != "" {
			cfg.ServiceDescriptions[s.ID] = Text{ZH: s.DescriptionZH, EN: s.DescriptionEN}
		}
	}

	windows := map[string]bool{}
	for i, w := range raw.windows {
		f := fmt.Sprintf("windows[%d]", i)
		windows[w.ID] = true
		p.names(f, w.NameZH, w.NameEN)
		h.Windows = append(h.Windows, queue.Window{
			ID: w.ID, NameZH: w.NameZH, NameEN: w.NameEN, Primary: w.Primary, Secondary: w.Secondary,
		})
		if w.Card != nil {
			cfg.Cards[w.ID] = p.card(f+".card", *w.Card)
		}
	}
	if len(raw.windows) == 0 {
		p.errorf("windows", "at least one window is required")
	}

	for i, c := range raw.priorities {
		p.names(fmt.Sprintf("priority_classes[%d]", i), c.NameZH, c.NameEN)
		h.PriorityClasses = append(h.PriorityClasses, queue.PriorityClass{ID: c.ID, NameZH: c.NameZH, NameEN: c.NameEN,
			SelfDeclared: c.SelfDeclared, MinAge: c.MinAge})
		if c.MinAge < 0 || c.MinAge > 150 {
			p.errorf(fmt.Sprintf("priority_classes[%d].min_age", i), "%d must be between 1 and 150 (or absent for no age rule)", c.MinAge)
		}
		if c.DescriptionZH != "" || c.DescriptionEN != "" {
			cfg.PriorityDescriptions[c.ID] = Text{ZH: c.DescriptionZH, EN: c.DescriptionEN}
		}
	}

	codes := map[string]int{}
	for i, r := range raw.reasons {
		f := fmt.Sprintf("manual_reasons[%d]", i)
		if j, dup := codes[r.Code]; dup && r.Code != "" {
			p.errorf(f+".code", "%q is also used by manual_reasons[%d]", r.Code, j)
		}
		codes[r.Code] = i
		p.names(f, r.NameZH, r.NameEN)
		h.ManualReasons = append(h.ManualReasons, queue.Reason{Code: r.Code, NameZH: r.NameZH, NameEN: r.NameEN})
	}

	h.Rules = p.rules(raw.rules)
	cfg.Desks = p.desks(raw.desks, services)
	desks := map[string]bool{}
	for _, d := range cfg.Desks {
		desks[d.ID] = true
	}
	cfg.Staff = p.staff(raw.staff, windows, desks)
	cfg.Devices = p.devices(raw.devices, windows, services)

	for i, n := range raw.notices {
		if strings.TrimSpace(n.TextZH) == "" {
			p.errorf(fmt.Sprintf("notices[%d].text_zh", i), "a notice needs its Chinese text")
		}
		cfg.Notices = append(cfg.Notices, Text{ZH: n.TextZH, EN: n.TextEN})
	}
	cfg.Limits = p.limits(raw.limits)
	cfg.Keys = p.keys(raw.keys)
	cfg.Server = p.server(raw.server)
	cfg.Federation = p.federation(raw.federation)
	cfg.Notify = p.notify(raw.notify)
	cfg.Feedback = p.feedback(raw.feedback, h)
	if cfg.Federation.Enabled() && !subjectToken.MatchString(h.ID) {
		p.errorf("hall.id", "%q cannot name the hall's NATS subject: use letters, digits, - and _ to federate", h.ID)
	}

	if err := h.Validate(); err != nil {
		field, msg, ok := strings.Cut(err.Error(), ": ")
		if !ok {
			field, msg = "", err.Error()
		}
		p.errorf(field, "%s", msg)
	}
	cfg.Warnings = exampleWarnings(cfg)
	return cfg
}

// names checks that a thing people read about has both its names.
func (p *parser) names(field, zh, en string) {
	if strings.TrimSpace(zh) == "" {
		p.errorf(field+".name_zh", "the Chinese name is required")
	}
	if strings.TrimSpace(en) == "" {
		p.errorf(field+".name_en", "the English name is required")
	}
}

func (p *parser) hall(raw fileHall, h *queue.Hall, info *HallInfo) {
	h.ID, h.NameZH, h.NameEN = raw.ID, raw.NameZH, raw.NameEN
	p.names("hall", raw.NameZH, raw.NameEN)
	info.Address = Text{ZH: raw.Address, EN: raw.AddressEN}
	p.supervision(raw, &info.Supervision)

	info.TimeZone = cmp.Or(raw.TimeZone, DefaultTimeZone)
	switch loc, err := time.LoadLocation(info.TimeZone); {
	case info.TimeZone == "Local":
		p.errorf("hall.time_zone", `"Local" depends on the server machine; name the hall's zone, for example %q`, DefaultTimeZone)
	case err != nil:
		p.errorf("hall.time_zone", "%q is not a known IANA time zone; write for example %q", info.TimeZone, DefaultTimeZone)
	default:
		h.Location = loc
	}

	h.DayStart = raw.DayStart.or(DefaultDayStart)
	for i, s := range raw.Hours {
		f := fmt.Sprintf("hall.hours[%d]", i)
		open, close, err := parseInterval(s)
		if err != nil {
			p.errorf(f, "%v", err)
			continue
		}
		cur := queue.Hours{Open: open, Close: close}
		for j, prev := range h.Hours {
			if overlaps(prev, cur) {
				p.errorf(f, "%q overlaps hall.hours[%d]", s, j)
			}
		}
		// The service day must not change while the hall is open: the numbering
		// would start again at 001 in the middle of a session.
		for _, ds := range []time.Duration{h.DayStart, h.DayStart + 24*time.Hour} {
			if open < ds && ds < close {
				p.errorf(f, "%q spans hall.day_start %s, so the service day (and the numbering) would change while the hall is open; move day_start outside the opening hours", s, formatClock(h.DayStart))
				break
			}
		}
		h.Hours = append(h.Hours, cur)
	}

	if raw.PublicURL != "" {
		u, err := url.Parse(raw.PublicURL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
			p.errorf("hall.public_url", "%q must be an http:// or https:// address with a host, for example \"http://192.168.1.10:8080\"", raw.PublicURL)
		case u.User != nil || u.RawQuery != "" || u.Fragment != "":
			p.errorf("hall.public_url", "%q must not contain a user, query or fragment", raw.PublicURL)
		default:
			info.PublicURL = strings.TrimRight(raw.PublicURL, "/")
		}
	}

	info.IdentityRetention = raw.IdentityRetention.or(DefaultIdentityRetention)
	if info.IdentityRetention < 24*time.Hour {
		p.errorf("hall.identity_retention", "%s is shorter than a day; per-identity daily limits need a day's identities", info.IdentityRetention)
	}
}

// overlaps reports whether two opening intervals share a moment, also across
// midnight.
func overlaps(a, b queue.Hours) bool {
	for _, shift := range []time.Duration{-24 * time.Hour, 0, 24 * time.Hour} {
		if a.Open+shift < b.Close && b.Open < a.Close+shift {
			return true
		}
	}
	return false
}

func formatClock(d time.Duration) string {
	m := int(d / time.Minute)
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

func (p *parser) card(field string, c fileCard) Card {
	if strings.TrimSpace(c.Name) == "" {
		p.errorf(field+".name", "a publicity card needs the name of the person serving")
	}
	if strings.TrimSpace(c.Unit) == "" {
		p.errorf(field+".unit", "a publicity card needs the unit the person works for")
	}
	card := Card{
		Name:   Text{ZH: c.Name, EN: c.NameEN},
		Title:  Text{ZH: c.Title, EN: c.TitleEN},
		Unit:   Text{ZH: c.Unit, EN: c.UnitEN},
		Duties: Text{ZH: c.Duties, EN: c.DutiesEN},
		Photo:  c.Photo,
	}
	if c.Photo == "" {
		return card
	}
	switch strings.ToLower(filepath.Ext(c.Photo)) {
	case ".png", ".jpg", ".jpeg":
	default:
		p.errorf(field+".photo", "%q must be a .png or .jpg file", c.Photo)
		return card
	}
	if p.dir == "" {
		return card
	}
	if !filepath.IsAbs(c.Photo) {
		card.Photo = filepath.Join(p.dir, c.Photo)
	}
	if st, err := os.Stat(card.Photo); err != nil {
		p.errorf(field+".photo", "%v", err)
	} else if !st.Mode().IsRegular() {
		p.errorf(field+".photo", "%s is not a file", card.Photo)
	}
	return card
}

func (p *parser) rules(raw fileRules) queue.Rules {
	r := queue.Rules{ReinstateWithin: raw.ReinstateWithin.or(queue.DefaultReinstateWithin)}
	r.ReinstateAfter = p.intIn("rules.reinstate_after", raw.ReinstateAfter, queue.DefaultReinstateAfter, 1, 1000)
	r.MinSamples = p.intIn("rules.min_samples", raw.MinSamples, queue.DefaultMinSamples, 1, 1000)
	r.LeaseSize = p.intIn("rules.lease_size", raw.LeaseSize, queue.DefaultLeaseSize, 1, queue.MaxLeaseSize)
	return r
}

// intIn returns *v, or def when the file is silent, checking that it lies in [lo, hi].
func (p *parser) intIn(field string, v *int, def, lo, hi int) int {
	if v == nil {
		return def
	}
	if *v < lo || *v > hi {
		p.errorf(field, "%d must be between %d and %d", *v, lo, hi)
	}
	return *v
}

func (p *parser) staff(raw []fileStaff, windows, desks map[string]bool) []Staff {
	var out []Staff
	seen := map[string]int{}
	for i, s := range raw {
		f := fmt.Sprintf("staff[%d]", i)
		if !validUsername(s.Username) {
			p.errorf(f+".username", "%q must be 1-32 letters, digits, '.', '-' or '_'", s.Username)
		} else if j, dup := seen[strings.ToLower(s.Username)]; dup {
			p.errorf(f+".username", "%q is also used by staff[%d]", s.Username, j)
		} else {
			seen[strings.ToLower(s.Username)] = i
		}
		if strings.TrimSpace(s.Name) == "" {
			p.errorf(f+".name", "the name shown for this person is required")
		}
		p.passwordHash(f+".password_hash", s.PasswordHash)
		role := Role(cmp.Or(s.Role, string(RoleStaff)))
		if role != RoleStaff && role != RoleAdmin && role != RoleReception && role != RoleSupervisor {
			p.errorf(f+".role", "%q must be %q, %q, %q or %q", s.Role, RoleStaff, RoleAdmin, RoleReception, RoleSupervisor)
		}
		if role == RoleSupervisor && len(s.Windows) > 0 {
			p.errorf(f+".windows", "supervisors sign in at /supervise and call no numbers; list no windows")
		}
		if role == RoleReception {
			if len(s.Windows) > 0 {
				p.errorf(f+".windows", "reception staff call no numbers; list their desks instead")
			}
			if len(s.Desks) == 0 {
				p.errorf(f+".desks", "list the reception desks %s may sign in to", cmp.Or(s.Username, "this person"))
			}
		} else if len(s.Desks) > 0 {
			p.errorf(f+".desks", "only reception staff (role = %q) sign in to desks", RoleReception)
		}
		for j, d := range s.Desks {
			if !desks[d] {
				p.errorf(fmt.Sprintf("%s.desks[%d]", f, j), "unknown desk %q", d)
			} else if slices.Index(s.Desks, d) < j {
				p.errorf(fmt.Sprintf("%s.desks[%d]", f, j), "desk %q listed twice", d)
			}
		}
		if role == RoleStaff && len(s.Windows) == 0 {
			p.errorf(f+".windows", "list the windows %s may sign in to", cmp.Or(s.Username, "this person"))
		}
		for j, w := range s.Windows {
			if !windows[w] {
				p.errorf(fmt.Sprintf("%s.windows[%d]", f, j), "unknown window %q", w)
			} else if slices.Index(s.Windows, w) < j {
				p.errorf(fmt.Sprintf("%s.windows[%d]", f, j), "window %q listed twice", w)
			}
		}
		out = append(out, Staff{
			Username: s.Username, Name: Text{ZH: s.Name, EN: s.NameEN},
			PasswordHash: s.PasswordHash, Windows: s.Windows, Desks: s.Desks, Role: role,
		})
	}
	return out
}

func validUsername(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// passwordHash checks that h is a bcrypt hash, so that a plain password written by
// mistake is refused instead of becoming unusable (or readable) at sign-in.
func (p *parser) passwordHash(field, h string) {
	const how = "make one with: go run ./server/config/cmd/hashpw"
	switch {
	case h == "":
		p.errorf(field, "a bcrypt hash of the password is required; %s", how)
	case !strings.HasPrefix(h, "$2"):
		p.errorf(field, "is not a bcrypt hash (\"$2a$…\" or \"$2b$…\"); never write a password itself in this file; %s", how)
	default:
		if _, err := bcrypt.Cost([]byte(h)); err != nil || len(h) != 60 {
			p.errorf(field, "is not a valid bcrypt hash; %s", how)
		}
	}
}

// emptySHA256 is the SHA-256 of the empty string: a device with it would accept
// an empty token.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func (p *parser) devices(raw []fileDevice, windows, services map[string]bool) []Device {
	var out []Device
	ids := map[string]int{}
	tokens := map[[sha256.Size]byte]int{}
	for i, d := range raw {
		f := fmt.Sprintf("devices[%d]", i)
		if !validUsername(d.ID) {
			p.errorf(f+".id", "%q must be 1-32 letters, digits, '.', '-' or '_'", d.ID)
		} else if j, dup := ids[d.ID]; dup {
			p.errorf(f+".id", "%q is also used by devices[%d]", d.ID, j)
		} else {
			ids[d.ID] = i
		}
		kind := DeviceKind(d.Kind)
		if kind != KindKiosk && kind != KindDisplay {
			p.errorf(f+".kind", "%q must be %q or %q", d.Kind, KindKiosk, KindDisplay)
		}
		if strings.TrimSpace(d.Name) == "" {
			p.errorf(f+".name", "a name is required, so that staff can tell devices apart")
		}
		var sum [sha256.Size]byte
		if b, err := hex.DecodeString(d.TokenSHA256); err != nil || len(b) != sha256.Size {
			p.errorf(f+".token_sha256", "must be the 64 hex digits of the SHA-256 of the device's token, never the token itself; make both with: go run ./server/config/cmd/hashpw -token")
		} else if strings.EqualFold(d.TokenSHA256, emptySHA256) {
			p.errorf(f+".token_sha256", "is the SHA-256 of an empty token")
		} else {
			copy(sum[:], b)
			if j, dup := tokens[sum]; dup {
				p.errorf(f+".token_sha256", "is also used by devices[%d]; every device needs its own token", j)
			}
			tokens[sum] = i
		}
		if kind == KindDisplay && len(d.Services) > 0 {
			p.errorf(f+".services", "only kiosks offer services")
		}
		for j, s := range d.Services {
			if !services[s] {
				p.errorf(fmt.Sprintf("%s.services[%d]", f, j), "unknown service %q", s)
			}
		}
		if d.Window != "" {
			if kind == KindKiosk {
				p.errorf(f+".window", "only displays show a window")
			} else if !windows[d.Window] {
				p.errorf(f+".window", "unknown window %q", d.Window)
			}
		}
		if d.Ratings && (kind != KindDisplay || d.Window == "") {
			p.errorf(f+".ratings", "only a window's screen (a display with a window) offers rating buttons")
		}
		out = append(out, Device{ID: d.ID, Kind: kind, Name: d.Name, TokenSHA256: sum, Services: d.Services, Window: d.Window, Ratings: d.Ratings})
	}
	return out
}

func (p *parser) limits(raw fileLimits) Limits {
	l := Limits{
		MaxBodyBytes: DefaultMaxBodyBytes,
		WSHeartbeat:  raw.WSHeartbeat.or(DefaultWSHeartbeat),
	}
	if raw.MaxBodyBytes.set {
		l.MaxBodyBytes = raw.MaxBodyBytes.n
		if l.MaxBodyBytes < 1<<10 || l.MaxBodyBytes > 64<<20 {
			p.errorf("limits.max_body_bytes", "%d must be between 1KiB and 64MiB", l.MaxBodyBytes)
		}
	}
	if l.WSHeartbeat < time.Second || l.WSHeartbeat > 5*time.Minute {
		p.errorf("limits.ws_heartbeat", "%s must be between 1s and 5m", l.WSHeartbeat)
	}
	l.WSQueue = p.intIn("limits.ws_queue", raw.WSQueue, DefaultWSQueue, 1, 1<<16)
	l.TicketsPerKioskPerMinute = p.intIn("limits.tickets_per_kiosk_per_minute", raw.TicketsPerKioskPerMinute, DefaultTicketsPerKioskPerMinute, 1, 10000)
	l.LoginAttemptsPerMinute = p.intIn("limits.login_attempts_per_minute", raw.LoginAttemptsPerMinute, DefaultLoginAttemptsPerMinute, 1, 10000)
	l.BookingsPerAddressPerMinute = p.intIn("limits.bookings_per_address_per_minute", raw.BookingsPerAddressPerMinute,
		DefaultBookingsPerAddressPerMinute, 1, 1000000)
	l.FloodLimits = p.floodLimits(raw)
	return l
}

// supervision reads the supervision office's contacts of the hall section.
func (p *parser) supervision(raw fileHall, sv *Supervision) {
	sv.Office = Text{ZH: strings.TrimSpace(raw.SupervisionOffice), EN: strings.TrimSpace(raw.SupervisionOfficeEN)}
	sv.Address = Text{ZH: strings.TrimSpace(raw.SupervisionAddress), EN: strings.TrimSpace(raw.SupervisionAddrEN)}
	sv.Phone, sv.Email = strings.TrimSpace(raw.SupervisionPhone), strings.TrimSpace(raw.SupervisionEmail)
	for _, f := range []struct{ field, v string }{
		{"hall.supervision_office", sv.Office.ZH}, {"hall.supervision_office_en", sv.Office.EN},
		{"hall.supervision_address", sv.Address.ZH}, {"hall.supervision_address_en", sv.Address.EN},
		{"hall.supervision_phone", sv.Phone}, {"hall.supervision_email", sv.Email},
	} {
		if utf8.RuneCountInString(f.v) > 120 || strings.ContainsAny(f.v, "\r\n\t") {
			p.errorf(f.field, "at most 120 characters on one line")
		}
	}
	if sv.Office.EN == "" {
		sv.Office.EN = sv.Office.ZH
	}
	if sv.Address.EN == "" {
		sv.Address.EN = sv.Address.ZH
	}
	if sv.Phone != "" && strings.Trim(sv.Phone, "0123456789+-() ") != "" {
		p.errorf("hall.supervision_phone", "%q: digits, spaces, +, - and parentheses only, for example \"0571-12345678\"", sv.Phone)
	}
	if at := strings.IndexByte(sv.Email, '@'); sv.Email != "" &&
		(at < 1 || at == len(sv.Email)-1 || strings.Count(sv.Email, "@") != 1 || strings.ContainsAny(sv.Email, " <>\"'")) {
		p.errorf("hall.supervision_email", "%q is not an e-mail address like jiandu@example.gov.cn", sv.Email)
	}
}
