package hall

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"hallq/server/config"
	"hallq/server/keyfile"
	"hallq/server/queue"
	"hallq/server/store"
)

// legacyIdentityKey is where hallq.db kept the identity key before it moved
// to a file of its own.
var legacyIdentityKey = []byte("identity-hmac")

// identityKeySpec says where the hall's identity key is: the configured file,
// or for the demo hall identity.key in the data directory.
func identityKeySpec(cfg *config.Config, dataDir string) keyfile.Spec {
	spec := keyfile.Spec{Name: "identity", Path: cfg.Keys.Identity, Size: 32}
	if spec.Path == "" && cfg.Keys.Create {
		spec.Path = filepath.Join(dataDir, "identity.key")
	}
	return spec
}

// identityKey loads the hall's identity key. A key still in hallq.db (from a
// version that kept it there) is moved out once: written to the key file, then
// deleted from the store, so that the hall keeps its identity counts; moved
// says the store must then be compacted to drop the freed page that held it.
// Without a key anywhere, only the demo hall makes a new one.
func identityKey(cfg *config.Config, dataDir string, st *store.Store, log *slog.Logger) (key []byte, moved bool, err error) {
	spec := identityKeySpec(cfg, dataDir)
	var legacy []byte
	if err := st.View(func(tx *store.Tx) error {
		legacy = bytes.Clone(tx.Get(store.BucketSecrets, legacyIdentityKey))
		return nil
	}); err != nil {
		return nil, false, fmt.Errorf("hall: identity key: %w", err)
	}
	k, err := keyfile.Load(spec)
	switch {
	case err == nil:
		if legacy != nil && !bytes.Equal(legacy, k.Bytes) {
			return nil, false, fmt.Errorf("hall: identity key: hallq.db still holds an identity key, and it differs from the one in %s; "+
				"move that file away to have the server move hallq.db's key there (today's per-person counts need it)", k.From)
		}
		key = k.Bytes
	case errors.Is(err, keyfile.ErrMissing):
		switch {
		case legacy != nil && spec.Path == "":
			return nil, false, fmt.Errorf("hall: keys.identity: name the file that is to hold the identity key; hallq.db still holds it and the server moves it there: %w", err)
		case legacy != nil:
			if err := keyfile.Write(spec.Path, legacy); err != nil {
				return nil, false, fmt.Errorf("hall: identity key: %w", err)
			}
			log.Warn("moved the identity key out of hallq.db into its own file; keep that file out of hallq.db's backups",
				"file", spec.Path)
			key = legacy
		case cfg.Keys.Create:
			key = keyfile.New(spec.Size)
			if err := keyfile.Write(spec.Path, key); err != nil {
				return nil, false, fmt.Errorf("hall: identity key: %w", err)
			}
			log.Info("made a new identity key", "file", spec.Path)
		default:
			return nil, false, fmt.Errorf("hall: keys.identity: %w; make one with hallq-keygen -out FILE and name it in [keys] identity "+
				"(or pass it as the systemd credential identity.key); a hall never makes its identity key itself", err)
		}
	default:
		return nil, false, fmt.Errorf("hall: %w", err)
	}
	if legacy == nil {
		return key, false, nil
	}
	if err := st.Update(func(tx *store.Tx) error {
		return tx.Delete(store.BucketSecrets, legacyIdentityKey)
	}); err != nil {
		return nil, false, fmt.Errorf("hall: identity key: remove it from hallq.db: %w", err)
	}
	return key, true, nil
}

// checkpointKey loads the key that signs the log's checkpoints: the configured
// file, or checkpoint.key in the data directory, or a systemd credential
// checkpoint.key. Unlike the identity key, a missing one is made at once: a
// new signing key costs nothing but a new published key, which the next
// hall.configured event records.
func checkpointKey(cfg *config.Config, dataDir string, log *slog.Logger) (ed25519.PrivateKey, error) {
	spec := keyfile.Spec{Name: "checkpoint", Path: cfg.Keys.Checkpoint, Size: ed25519.SeedSize}
	if spec.Path == "" {
		spec.Path = filepath.Join(dataDir, "checkpoint.key")
	}
	k, err := keyfile.Load(spec)
	switch {
	case err == nil:
		return ed25519.NewKeyFromSeed(k.Bytes), nil
	case errors.Is(err, keyfile.ErrMissing):
		seed := keyfile.New(spec.Size)
		if err := keyfile.Write(spec.Path, seed); err != nil {
			return nil, fmt.Errorf("hall: checkpoint key: %w", err)
		}
		log.Info("made a new checkpoint signing key; its public half is published on /rules and in /api/v1/hall", "file", spec.Path)
		return ed25519.NewKeyFromSeed(seed), nil
	}
	return nil, fmt.Errorf("hall: %w", err)
}

// publicHall is the hall's public description as the log records it, with the
// checkpoint key's public half.
func publicHall(cfg *config.Config, key ed25519.PrivateKey) *queue.PublicHall {
	p := cfg.Hall.Public()
	p.CheckpointKey = base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	return &p
}

// knownBrowserKey is the store's name of the HMAC key of the cookie that marks
// a browser where a staff member signed in before. It may stay in hallq.db:
// whoever holds a copy could forge such a cookie, which only spares them the
// account's failed sign-in limit, never the password or the address's limit.
var knownBrowserKey = []byte("known-browser-hmac")

// storeSecret returns a 32-byte secret kept in hallq.db, made on first use.
func storeSecret(st *store.Store, name []byte) ([]byte, error) {
	var key []byte
	err := st.Update(func(tx *store.Tx) error {
		if v := tx.Get(store.BucketSecrets, name); len(v) == 32 {
			key = bytes.Clone(v)
			return nil
		}
		key = keyfile.New(32)
		return tx.Put(store.BucketSecrets, name, key)
	})
	if err != nil {
		return nil, fmt.Errorf("hall: secret %s: %w", name, err)
	}
	return key, nil
}
