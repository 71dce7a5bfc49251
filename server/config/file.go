package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// file is the TOML document as an administrator writes it. Each table is kept as a
// toml.Primitive and decoded on its own, so that an error names the element of an
// array it occurs in ("services[2].digits") rather than just the key.
type file struct {
	Hall            toml.Primitive   `toml:"hall"`
	Services        []toml.Primitive `toml:"services"`
	Windows         []toml.Primitive `toml:"windows"`
	Staff           []toml.Primitive `toml:"staff"`
	Devices         []toml.Primitive `toml:"devices"`
	Desks           []toml.Primitive `toml:"desks"`
	PriorityClasses []toml.Primitive `toml:"priority_classes"`
	ManualReasons   []toml.Primitive `toml:"manual_reasons"`
	Rules           toml.Primitive   `toml:"rules"`
	Notices         []toml.Primitive `toml:"notices"`
	Limits          toml.Primitive   `toml:"limits"`
	Keys            toml.Primitive   `toml:"keys"`
	Server          toml.Primitive   `toml:"server"`
	Federation      toml.Primitive   `toml:"federation"`
	Notify          toml.Primitive   `toml:"notify"`
	Feedback        toml.Primitive   `toml:"feedback"`
}

type fileHall struct {
	ID        string `toml:"id"`
	NameZH    string `toml:"name_zh"`
	NameEN    string `toml:"name_en"`
	Address   string `toml:"address"`
	AddressEN string `toml:"address_en"`
	// The supervision office that takes complaints about the hall.
	SupervisionOffice   string   `toml:"supervision_office"`
	SupervisionOfficeEN string   `toml:"supervision_office_en"`
	SupervisionAddress  string   `toml:"supervision_address"`
	SupervisionAddrEN   string   `toml:"supervision_address_en"`
	SupervisionPhone    string   `toml:"supervision_phone"`
	SupervisionEmail    string   `toml:"supervision_email"`
	TimeZone            string   `toml:"time_zone"`
	DayStart            clock    `toml:"day_start"`
	Hours               []string `toml:"hours"`
	PublicURL           string   `toml:"public_url"`
	IdentityRetention   duration `toml:"identity_retention"`
}

type fileService struct {
	ID               string   `toml:"id"`
	NameZH           string   `toml:"name_zh"`
	NameEN           string   `toml:"name_en"`
	Prefix           string   `toml:"prefix"`
	Digits           int      `toml:"digits"`
	DailyCap         int      `toml:"daily_cap"`
	PerIdentityDaily int      `toml:"per_identity_daily"`
	RealName         bool     `toml:"real_name"`
	AvgService       duration `toml:"avg_service"`
	DescriptionZH    string   `toml:"description_zh"`
	DescriptionEN    string   `toml:"description_en"`
	// Appointments, when present, make the service bookable.
	Appointments *fileAppointments `toml:"appointments"`
}

type fileWindow struct {
	ID        string    `toml:"id"`
	NameZH    string    `toml:"name_zh"`
	NameEN    string    `toml:"name_en"`
	Primary   []string  `toml:"primary"`
	Secondary []string  `toml:"secondary"`
	Card      *fileCard `toml:"card"`
}

type fileCard struct {
	Name     string `toml:"name"`
	NameEN   string `toml:"name_en"`
	Title    string `toml:"title"`
	TitleEN  string `toml:"title_en"`
	Unit     string `toml:"unit"`
	UnitEN   string `toml:"unit_en"`
	Duties   string `toml:"duties"`
	DutiesEN string `toml:"duties_en"`
	Photo    string `toml:"photo"`
}

type fileStaff struct {
	Username     string   `toml:"username"`
	Name         string   `toml:"name"`
	NameEN       string   `toml:"name_en"`
	PasswordHash string   `toml:"password_hash"`
	Windows      []string `toml:"windows"`
	Desks        []string `toml:"desks"`
	Role         string   `toml:"role"`
}

type fileDevice struct {
	ID          string   `toml:"id"`
	Kind        string   `toml:"kind"`
	Name        string   `toml:"name"`
	TokenSHA256 string   `toml:"token_sha256"`
	Services    []string `toml:"services"`
	Window      string   `toml:"window"`
	Ratings     bool     `toml:"ratings"`
}

type filePriority struct {
	ID            string `toml:"id"`
	NameZH        string `toml:"name_zh"`
	NameEN        string `toml:"name_en"`
	DescriptionZH string `toml:"description_zh"`
	DescriptionEN string `toml:"description_en"`
	SelfDeclared  bool   `toml:"self_declared"`
	MinAge        int    `toml:"min_age"`
}

type fileReason struct {
	Code   string `toml:"code"`
	NameZH string `toml:"name_zh"`
	NameEN string `toml:"name_en"`
}

type fileRules struct {
	ReinstateWithin duration `toml:"reinstate_within"`
	ReinstateAfter  *int     `toml:"reinstate_after"`
	MinSamples      *int     `toml:"min_samples"`
	LeaseSize       *int     `toml:"lease_size"`
}

type fileNotice struct {
	TextZH string `toml:"text_zh"`
	TextEN string `toml:"text_en"`
}

type fileLimits struct {
	MaxBodyBytes                byteSize `toml:"max_body_bytes"`
	WSQueue                     *int     `toml:"ws_queue"`
	WSHeartbeat                 duration `toml:"ws_heartbeat"`
	TicketsPerKioskPerMinute    *int     `toml:"tickets_per_kiosk_per_minute"`
	LoginAttemptsPerMinute      *int     `toml:"login_attempts_per_minute"`
	BookingsPerAddressPerMinute *int     `toml:"bookings_per_address_per_minute"`
	DeviceStatusInterval        duration `toml:"device_status_interval"`
	ReadTimeout                 duration `toml:"read_timeout"`
	WriteTimeout                duration `toml:"write_timeout"`
	MaxConnections              *int     `toml:"max_connections"`
	MaxConnectionsPerAddress    *int     `toml:"max_connections_per_address"`
	WSMaxSubscribers            *int     `toml:"ws_max_subscribers"`
	WSMaxPerAddress             *int     `toml:"ws_max_per_address"`
	WSReplays                   *int     `toml:"ws_replays"`
	WithdrawalsPerKioskPerDay   *int     `toml:"withdrawals_per_kiosk_per_day"`
}

// duration is a positive length of time written as a string with a unit: "30m",
// "90s", "1h30m", "720h". A bare number is refused: "5" could mean anything.
type duration struct {
	d   time.Duration
	set bool
}

// UnmarshalTOML implements toml.Unmarshaler.
func (d *duration) UnmarshalTOML(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf(`must be a duration in quotes with a unit, for example "5m", "90s" or "720h", not %s`, describeValue(v))
	}
	x, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf(`%q is not a duration; write for example "5m", "90s", "1h30m" or "720h" (there is no unit for days)`, s)
	}
	if x <= 0 {
		return fmt.Errorf("%q must be longer than zero", s)
	}
	*d = duration{d: x, set: true}
	return nil
}

func (d duration) or(def time.Duration) time.Duration {
	if d.set {
		return d.d
	}
	return def
}

// clock is a time of day written "HH:MM", 00:00 to 23:59.
type clock struct {
	d   time.Duration // since midnight
	set bool
}

// UnmarshalTOML implements toml.Unmarshaler. A TOML local time (04:00:00, without
// quotes) is accepted too.
func (c *clock) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case string:
		d, err := parseClock(x, false)
		if err != nil {
			return err
		}
		*c = clock{d: d, set: true}
		return nil
	case time.Time:
		if x.Year() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			*c = clock{d: time.Duration(x.Hour())*time.Hour + time.Duration(x.Minute())*time.Minute, set: true}
			return nil
		}
	}
	return fmt.Errorf(`must be a time of day in quotes, for example "04:00", not %s`, describeValue(v))
}

func (c clock) or(def time.Duration) time.Duration {
	if c.set {
		return c.d
	}
	return def
}

// parseClock parses "HH:MM" (or "H:MM"). "24:00" is allowed only as the end of
// an interval.
func parseClock(s string, end bool) (time.Duration, error) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	h, herr := strconv.Atoi(hh)
	m, merr := strconv.Atoi(mm)
	if !ok || herr != nil || merr != nil || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 ||
		h < 0 || m < 0 || m > 59 || h > 24 || h == 24 && (!end || m != 0) {
		return 0, fmt.Errorf(`%q is not a time of day; write it as "HH:MM", for example "08:30"`, s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// parseInterval parses opening hours "08:30-12:00". An interval that ends at or
// before its start ends the next day: "18:00-01:00" is 18:00 to 25:00.
func parseInterval(s string) (open, close time.Duration, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf(`%q is not an opening interval; write it as "HH:MM-HH:MM", for example "08:30-12:00"`, s)
	}
	if open, err = parseClock(a, false); err != nil {
		return 0, 0, err
	}
	if close, err = parseClock(b, true); err != nil {
		return 0, 0, err
	}
	if close == open {
		return 0, 0, fmt.Errorf("%q opens and closes at the same time; for a hall open day and night leave hours empty", s)
	}
	if close < open {
		close += 24 * time.Hour
	}
	return open, close, nil
}

// byteSize is a size in bytes, written as an integer (65536) or as a string with a
// binary unit ("64KiB", "1MiB").
type byteSize struct {
	n   int64
	set bool
}

// UnmarshalTOML implements toml.Unmarshaler.
func (b *byteSize) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case int64:
		if x <= 0 {
			return fmt.Errorf("%d must be more than zero", x)
		}
		*b = byteSize{n: x, set: true}
		return nil
	case string:
		s := strings.TrimSpace(x)
		mult := int64(1)
		for _, u := range []struct {
			suffix string
			mult   int64
		}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"B", 1}} {
			if rest, ok := strings.CutSuffix(s, u.suffix); ok {
				s, mult = strings.TrimSpace(rest), u.mult
				break
			}
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || n > (1<<40)/mult {
			return fmt.Errorf(`%q is not a size; write for example 65536, "64KiB" or "1MiB"`, x)
		}
		*b = byteSize{n: n * mult, set: true}
		return nil
	}
	return fmt.Errorf(`must be a size such as 65536 or "64KiB", not %s`, describeValue(v))
}

// describeValue names the kind of a decoded TOML value, for error messages.
func describeValue(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case int64:
		return fmt.Sprintf("the number %d", x)
	case float64:
		return fmt.Sprintf("the number %g", x)
	case bool:
		return fmt.Sprintf("%t", x)
	case time.Time:
		return "a date or time"
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}
