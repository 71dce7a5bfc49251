package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hallq/server/admit"
	"hallq/server/config"
	"hallq/server/queue"
	"hallq/server/store"
	"hallq/server/wire"
)

// staffMember is a staff entry of the configuration and the digest of it
// that its sessions record (staffVersion).
type staffMember struct {
	*config.Staff
	version string
}

const (
	sessionCookie = "hallq_session"
	sessionTTL    = 12 * time.Hour
	csrfHeader    = "X-CSRF-Token"
)

// session is a signed-in staff member, stored privately under the SHA-256 of its
// cookie value so that a copy of the database does not give working cookies.
type session struct {
	Username string    `json:"username"`
	Window   string    `json:"window"`
	Desk     string    `json:"desk,omitempty"` // a reception desk, instead of a window
	CSRF     string    `json:"csrf"`
	Expires  time.Time `json:"expires"`
	// Staff is the staff entry's version at sign-in (staffVersion).
	Staff string `json:"staff"`
}

// device returns the device of a request's bearer token, of the given kind.
func (s *Server) device(r *http.Request, kind config.DeviceKind) (*config.Device, error) {
	// The scheme is case-insensitive (RFC 9110, 11.1): "bearer" is "Bearer".
	scheme, tok, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, queue.Errorf(queue.EUNAUTHORIZED, "a device bearer token is required (Authorization: Bearer …)")
	}
	sum := sha256.Sum256([]byte(tok))
	for i := range s.cfg.Devices {
		d := &s.cfg.Devices[i]
		if subtle.ConstantTimeCompare(sum[:], d.TokenSHA256[:]) == 1 {
			// An enrolled device's connection is never dropped to make
			// room for a flood's.
			admit.Trust(r.Context())
			if kind != "" && d.Kind != kind {
				return nil, queue.Errorf(queue.EFORBIDDEN, "device %s is a %s, not a %s", d.ID, d.Kind, kind)
			}
			return d, nil
		}
	}
	return nil, queue.Errorf(queue.EUNAUTHORIZED, "unknown device token")
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func sessionKey(cookie string) []byte {
	sum := sha256.Sum256([]byte(cookie))
	return sum[:]
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Window   string `json:"window,omitempty"`
	Desk     string `json:"desk,omitempty"`
}

type loginResponse struct {
	Username  string    `json:"username"`
	Name      string    `json:"name"`
	Window    string    `json:"window"`
	Windows   []string  `json:"windows"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// dummyHash makes a login for an unknown user cost as much as for a known one.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("hallq-unknown-user"), bcrypt.DefaultCost)

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if err := s.checkOrigin(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	g := s.login
	var req loginRequest
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	if err := s.decode(w, r, &req); err != nil {
		g.attempts.WithLabelValues("refused").Inc()
		s.writeError(w, r, err)
		return
	}
	if req.tooLong() {
		g.attempts.WithLabelValues("refused").Inc()
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "username, password or window too long (at most %d, %d and %d bytes)",
			MaxUsername, MaxPassword, MaxUsername).Zh("用户名、密码或窗口过长"))
		return
	}
	now := time.Now()
	addr := s.clientAddr(r)
	knownBrowser := g.known(r, req.Username)
	slot, wait, ok := g.reserve(addr, req.Username, knownBrowser, now)
	if !ok {
		g.attempts.WithLabelValues("limited").Inc()
		s.log.Debug("sign-in limited", "username", req.Username, "addr", addr)
		w.Header().Set("Retry-After", retryAfter(wait))
		s.writeError(w, r, &queue.Error{Code: wire.ERATE, Message: "too many failed sign-ins; wait a minute", MessageZH: "登录失败次数过多，请一分钟后再试"})
		return
	}
	checks, ok := g.acquire(r.Context(), knownBrowser)
	if !ok {
		slot.release() // no password was checked
		g.attempts.WithLabelValues("busy").Inc()
		w.Header().Set("Retry-After", "1")
		s.writeError(w, r, queue.Errorf(queue.EUNAVAILABLE, "too many sign-ins at once; try again in a moment").Zh("登录人数过多，请稍后再试"))
		return
	}
	st, known := s.staff[req.Username]
	hash := dummyHash
	if known {
		hash = []byte(st.PasswordHash)
	}
	started := time.Now()
	err := bcrypt.CompareHashAndPassword(hash, []byte(req.Password))
	g.done(checks, time.Since(started))
	if err != nil || !known {
		g.attempts.WithLabelValues("wrong").Inc()
		s.log.Warn("sign-in refused", "username", req.Username, "addr", addr)
		s.writeError(w, r, queue.Errorf(queue.EUNAUTHORIZED, "wrong username or password").Zh("用户名或密码错误"))
		return
	}
	slot.release() // a right password is no failure
	g.attempts.WithLabelValues("signed_in").Inc()
	window, desk, err := signInPlace(st, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cookie := randomToken(32)
	sess := session{Username: st.Username, Window: window, Desk: desk, CSRF: randomToken(32), Expires: now.Add(sessionTTL).UTC(),
		Staff: st.version}
	data, _ := json.Marshal(sess)
	if err := s.store.Update(func(tx *store.Tx) error {
		return tx.Put(store.BucketSessions, sessionKey(cookie), data)
	}); err != nil {
		s.writeError(w, r, fmt.Errorf("api: store session: %w", err))
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: cookie, Path: "/", Expires: sess.Expires,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(r),
	})
	http.SetCookie(w, &http.Cookie{
		Name: g.knownName(st.Username), Value: g.knownValue(st.Username), Path: "/api/v1/login", MaxAge: int(knownTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(r),
	})
	s.log.Info("signed in", "username", st.Username, "window", window, "desk", desk)
	writeJSON(w, http.StatusOK, wire.Session{Username: st.Username, Name: st.Name.ZH, Role: string(st.Role), Window: window,
		Windows: st.Windows, Desk: desk, Desks: st.Desks, CSRFToken: sess.CSRF, ExpiresAt: sess.Expires})
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err == nil {
		if _, _, err := s.session(r, true); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := s.store.Update(func(tx *store.Tx) error {
			return tx.Delete(store.BucketSessions, sessionKey(c.Value))
		}); err != nil {
			s.writeError(w, r, fmt.Errorf("api: delete session: %w", err))
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(r)})
	writeJSON(w, http.StatusOK, wire.SignedOut{SignedOut: true})
}

// session returns the signed-in staff member of a request. For a state-changing
// request (mutating), the CSRF token must be in X-CSRF-Token and a browser's
// Origin, if sent, must be this server.
func (s *Server) session(r *http.Request, mutating bool) (*session, *staffMember, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil, queue.Errorf(queue.EUNAUTHORIZED, "sign in first").Zh("请先登录")
	}
	var sess session
	var found bool
	err = s.store.View(func(tx *store.Tx) error {
		data := tx.Get(store.BucketSessions, sessionKey(c.Value))
		if data == nil {
			return nil
		}
		found = true
		return json.Unmarshal(data, &sess)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("api: read session: %w", err)
	}
	if !found {
		return nil, nil, queue.Errorf(queue.EUNAUTHORIZED, "your session has ended; sign in again").Zh("登录已过期，请重新登录")
	}
	st, ok := s.live(&sess, time.Now())
	if !ok {
		return nil, nil, queue.Errorf(queue.EUNAUTHORIZED, "your session has ended (it expired, or your account changed); sign in again").
			Zh("登录已失效（已过期或账户已变更），请重新登录")
	}
	admit.Trust(r.Context()) // a staff member's connection is kept in a flood
	if mutating {
		if err := s.checkOrigin(r); err != nil {
			return nil, nil, err
		}
		got := r.Header.Get(csrfHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
			return nil, nil, queue.Errorf(queue.EFORBIDDEN, "missing or wrong %s header", csrfHeader)
		}
	}
	return &sess, st, nil
}

// checkOrigin refuses browser requests sent from another site.
func (s *Server) checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err == nil && (strings.EqualFold(u.Host, r.Host) || slices.Contains(s.allowedOrigins, origin)) {
		return nil
	}
	return queue.Errorf(queue.EFORBIDDEN, "requests from origin %s are not allowed", clip(origin, maxEcho))
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	sess, st, err := s.session(r, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.Session{Username: st.Username, Name: st.Name.ZH, Role: string(st.Role), Window: sess.Window,
		Windows: st.Windows, Desk: sess.Desk, Desks: st.Desks, CSRFToken: sess.CSRF})
}

func (s *Server) handleDeviceMe(w http.ResponseWriter, r *http.Request) {
	d, err := s.device(r, "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := wire.Device{ID: d.ID, Kind: string(d.Kind), Name: d.Name, Services: d.Services, Window: d.Window, Ratings: d.Ratings}
	if d.Ratings {
		out.RatingSeconds = int(s.hall.Feedback.EffectiveWindowRatingPeriod() / time.Second)
	}
	writeJSON(w, http.StatusOK, out)
}

// signInPlace returns where a staff member signs in: a window, or for
// reception staff a desk, the one asked for or their only one.
func signInPlace(st *staffMember, req loginRequest) (window, desk string, err error) {
	if st.Role == config.RoleSupervisor {
		if req.Window != "" || req.Desk != "" {
			return "", "", queue.Errorf(queue.EFORBIDDEN, "%s is a supervisor and signs in to no window or desk", st.Username).
				Zh("监督人员不能登录窗口或导服台")
		}
		return "", "", nil
	}
	place, places, what, whatZH := req.Window, st.Windows, "window", "窗口"
	if st.Role == config.RoleReception {
		if req.Window != "" {
			return "", "", queue.Errorf(queue.EFORBIDDEN, "%s works at a reception desk and signs in to no window", st.Username).
				Zh("导服台工作人员不能登录窗口")
		}
		place, places, what, whatZH = req.Desk, st.Desks, "desk", "导服台"
	} else if req.Desk != "" {
		return "", "", queue.Errorf(queue.EFORBIDDEN, "only reception staff sign in to a desk").Zh("只有导服台工作人员可以登录导服台")
	}
	switch {
	case place == "" && len(places) == 1:
		place = places[0]
	case place == "":
		return "", "", queue.Errorf(queue.EINVALID, "%s: choose one of %v", what, places).Zh("请选择%s", whatZH)
	case !slices.Contains(places, place):
		return "", "", queue.Errorf(queue.EFORBIDDEN, "%s may not sign in to %s %s (allowed: %v)", st.Username, what, clip(place, maxEcho), places).
			Zh("您不能登录该%s", whatZH)
	}
	if st.Role == config.RoleReception {
		return "", place, nil
	}
	return place, "", nil
}
