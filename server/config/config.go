package config

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hallq/server/queue"
)

// Config is a hall's validated configuration: the domain's view of the hall plus
// everything the domain does not need (texts for people, accounts, devices,
// server limits). It is read-only once returned by Load, Parse or Demo.
type Config struct {
	// Hall is the validated domain hall, with defaults filled in.
	Hall *queue.Hall
	// Info is what the hall publishes about itself beyond its names and hours.
	Info HallInfo
	// ServiceDescriptions are the optional longer texts of services, by service ID,
	// shown on kiosks and the rules page. Services without one are absent.
	ServiceDescriptions map[string]Text
	// PriorityDescriptions are the optional texts explaining who belongs to a
	// priority class, by class ID.
	PriorityDescriptions map[string]Text
	// Cards are the staff publicity cards shown above the windows, by window ID.
	// Windows without a card are absent.
	Cards map[string]Card
	// Staff are the people who may sign in at the counter page, in file order.
	Staff []Staff
	// Devices are the kiosks and displays allowed to connect, in file order.
	Devices []Device
	// Desks are the reception desks, in file order.
	Desks []Desk
	// Notices are scrolled on the hall boards, in file order.
	Notices []Text
	// Limits are the server's resource limits.
	Limits Limits
	// Keys says where the hall's secret keys are kept, outside hallq.db.
	Keys Keys
	// Server is how clients reach the server: TLS, and the proxies in front.
	Server Server
	// Federation is how the hall copies its log to the city; off by default.
	Federation Federation
	// Notify is the notifier of applicants who left a mobile number; off
	// by default.
	Notify Notify
	// Feedback are the settings of ratings, follow-up and complaints (the
	// rules themselves are in Hall.Feedback).
	Feedback Feedback
	// Warnings are problems that do not stop the hall, such as the example
	// credentials of hallq.example.toml still in use. The server logs them.
	Warnings []string
}

// Text is a text people read, in Chinese and English. EN may be empty where the
// file allows it; readers then show ZH.
type Text struct {
	ZH string
	EN string
}

// HallInfo is what the hall publishes about itself beyond what queue.Hall holds.
type HallInfo struct {
	Address Text
	// Supervision is the office that supervises the hall and takes complaints,
	// posted on the rules page, ticket pages, window cards and receipts.
	Supervision Supervision
	// TimeZone is the IANA name of the hall's time zone, as configured; the loaded
	// zone is Hall.Location.
	TimeZone string
	// PublicURL is the base URL printed in receipt QR codes, without a trailing
	// slash, for example "http://192.168.1.10:8080". Empty means the server derives
	// it from each request.
	PublicURL string
	// IdentityRetention is how long identity HMACs are kept in the private store.
	IdentityRetention time.Duration
}

// Supervision is the supervision office's public contacts; any may be empty.
type Supervision struct {
	Office  Text
	Address Text
	Phone   string
	Email   string
}

// Any reports whether any contact is configured.
func (s Supervision) Any() bool {
	return s.Office.ZH != "" || s.Address.ZH != "" || s.Phone != "" || s.Email != ""
}

// Card is the staff publicity card shown above a window: who serves there, in what
// position, for which unit, and what they handle.
type Card struct {
	Name   Text
	Title  Text
	Unit   Text
	Duties Text
	// Photo is the path of a PNG or JPEG portrait; empty for none. Load resolves a
	// relative path against the configuration file's directory.
	Photo string
}

// Role is what a staff account may do.
type Role string

// Roles of staff accounts.
const (
	RoleStaff Role = "staff" // works at the windows listed for them
	// RoleAdmin names a hall's administrator among its staff. In the API it
	// grants exactly what RoleStaff does (a hall is administered by editing
	// hallq.toml, which no role grants); the sign-in answer names the role.
	RoleAdmin Role = "admin"
)

// Staff is an account of a person who signs in at the counter page.
type Staff struct {
	Username string
	Name     Text
	// PasswordHash is the bcrypt hash of the password; the file never holds the
	// password itself.
	PasswordHash string
	// Windows are the window IDs this person may sign in to.
	Windows []string
	// Desks are the reception desk IDs a reception account may sign in to.
	Desks []string
	Role  Role
}

// MaySignIn reports whether s may sign in to the window.
func (s *Staff) MaySignIn(window string) bool { return slices.Contains(s.Windows, window) }

// DeviceKind is what a device is.
type DeviceKind string

// Kinds of devices.
const (
	KindKiosk   DeviceKind = "kiosk"   // issues tickets
	KindDisplay DeviceKind = "display" // a hall board, or a window's screen
)

// Device is a kiosk or display allowed to connect with a bearer token.
type Device struct {
	ID   string
	Kind DeviceKind
	Name string
	// TokenSHA256 is the SHA-256 of the device's bearer token; the file never
	// holds the token itself.
	TokenSHA256 [sha256.Size]byte
	// Services are the services a kiosk offers; empty means all of them.
	Services []string
	// Window is the window a display shows in window mode; empty for a hall board.
	Window string
	// Ratings lets a window's screen (or a tablet at the window) offer the
	// five rating buttons for the service it just completed.
	Ratings bool
}

// Offers reports whether a kiosk offers the service.
func (d *Device) Offers(service string) bool {
	return d.Kind == KindKiosk && (len(d.Services) == 0 || slices.Contains(d.Services, service))
}

// Limits are the server's resource limits.
type Limits struct {
	MaxBodyBytes int64         // largest HTTP request body accepted
	WSQueue      int           // messages queued per websocket subscriber before it is dropped
	WSHeartbeat  time.Duration // interval of websocket pings
	// TicketsPerKioskPerMinute bounds how fast one kiosk may issue tickets.
	TicketsPerKioskPerMinute int
	// LoginAttemptsPerMinute bounds failed sign-ins per username and per address.
	LoginAttemptsPerMinute int
	// BookingsPerAddressPerMinute bounds how fast one client address may ask
	// for appointments.
	BookingsPerAddressPerMinute int
	FloodLimits
}

// FloodLimits keep a flood of requests, connections or streams from starving
// kiosks and staff.
type FloodLimits struct {
	// DeviceStatusInterval is the least time between two device.status
	// events of one kiosk; the latest state reported meanwhile is written
	// when it ends.
	DeviceStatusInterval time.Duration
	// ReadTimeout bounds reading a request, headers and body; WriteTimeout
	// bounds writing its answer. Streams (the websocket, /log.jsonl) are not
	// cut by them.
	ReadTimeout, WriteTimeout time.Duration
	// MaxConnections bounds open connections; when it is reached, a new
	// connection replaces one that has not finished a request (or refused).
	// MaxConnectionsPerAddress bounds them per client address.
	MaxConnections, MaxConnectionsPerAddress int
	// WSMaxSubscribers bounds the public's websocket streams (enrolled
	// devices are not counted); WSMaxPerAddress bounds every client
	// address's. WSReplays is how many streams may read the log to catch
	// up at once.
	WSMaxSubscribers, WSMaxPerAddress, WSReplays int
	// WithdrawalsPerKioskPerDay bounds the unanswered requests a kiosk may
	// withdraw in a day that the server never received.
	WithdrawalsPerKioskPerDay int
}

// Defaults used where the file is silent.
const (
	DefaultTimeZone                 = "Asia/Shanghai"
	DefaultDayStart                 = 4 * time.Hour
	DefaultIdentityRetention        = 30 * 24 * time.Hour
	DefaultMaxBodyBytes             = 64 << 10
	DefaultWSQueue                  = 256
	DefaultWSHeartbeat              = 10 * time.Second
	DefaultTicketsPerKioskPerMinute = 60
	DefaultLoginAttemptsPerMinute   = 10
	// DefaultBookingsPerAddressPerMinute leaves room for a family or a
	// household behind one address, not for a script.
	DefaultBookingsPerAddressPerMinute = 10

	DefaultDeviceStatusInterval      = 30 * time.Second
	DefaultReadTimeout               = 10 * time.Second
	DefaultWriteTimeout              = 30 * time.Second
	DefaultMaxConnections            = 10000
	DefaultMaxConnectionsPerAddress  = 256
	DefaultWSMaxSubscribers          = 5000
	DefaultWSMaxPerAddress           = 100
	DefaultWSReplays                 = 4
	DefaultWithdrawalsPerKioskPerDay = 100
)

// Load reads and validates the configuration file at path. Relative photo paths
// are resolved against the file's directory and must exist.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return parse(data, path, filepath.Dir(path))
}

// Parse validates a configuration file's contents. name is the file name used in
// error messages. Photo paths are kept as written and not checked.
func Parse(data []byte, name string) (*Config, error) {
	return parse(data, name, "")
}

// StaffByUsername returns the staff account with the username.
func (c *Config) StaffByUsername(username string) (*Staff, bool) {
	for i := range c.Staff {
		if c.Staff[i].Username == username {
			return &c.Staff[i], true
		}
	}
	return nil, false
}

// Authenticate returns the staff account if username and password match. It takes
// as long for an unknown username as for a wrong password, so that response times
// do not tell which usernames exist.
func (c *Config) Authenticate(username, password string) (*Staff, bool) {
	s, ok := c.StaffByUsername(username)
	if !ok {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return nil, false
	}
	if bcrypt.CompareHashAndPassword([]byte(s.PasswordHash), []byte(password)) != nil {
		return nil, false
	}
	return s, true
}

// dummyHash is compared against when a username is unknown.
var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("hallq: no such user"), bcrypt.DefaultCost)
	if err != nil {
		panic(fmt.Sprintf("config: bcrypt: %v", err))
	}
	return h
})

// DeviceByToken returns the device whose token is token.
func (c *Config) DeviceByToken(token string) (*Device, bool) {
	sum := sha256.Sum256([]byte(token))
	var found *Device
	for i := range c.Devices {
		if subtle.ConstantTimeCompare(sum[:], c.Devices[i].TokenSHA256[:]) == 1 {
			found = &c.Devices[i]
		}
	}
	return found, found != nil
}
