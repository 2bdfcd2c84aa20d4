package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// keySize is the length of the cookie signing key.
const keySize = 32

// loadKey reads the signing key from dir/cookie.key, creating it with a new
// random key on first start.
func loadKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, "cookie.key")
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) != keySize {
			return nil, fmt.Errorf("chat: %s: want %d bytes, have %d", path, keySize, len(key))
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("chat: read key: %w", err)
	}
	key = make([]byte, keySize)
	rand.Read(key)
	// O_EXCL: of two processes starting at once on one directory, the
	// second reads the first one's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadKey(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("chat: create key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("chat: write key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("chat: write key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("chat: write key: %w", err)
	}
	return key, nil
}

// signer makes and checks session tokens: "uid.sid.mac", where sid is a
// random session id and mac an HMAC-SHA256 of "uid.sid" under the key.
type signer struct{ key []byte }

func newSID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s signer) mac(uid, sid string) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(uid))
	h.Write([]byte{'.'})
	h.Write([]byte(sid))
	return h.Sum(nil)
}

func (s signer) token(uid, sid string) string {
	return uid + "." + sid + "." + base64.RawURLEncoding.EncodeToString(s.mac(uid, sid))
}

// verify returns the session id of token if it is a token this key signed
// for uid.
func (s signer) verify(token, uid string) (sid string, ok bool) {
	u, rest, ok1 := strings.Cut(token, ".")
	sid, m, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || u != uid || sid == "" {
		return "", false
	}
	got, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil {
		return "", false
	}
	return sid, hmac.Equal(got, s.mac(uid, sid))
}

// cookieName is the name of the cookie that holds uid's session: one
// cookie per name, so that one browser can hold several names in several tabs.
func cookieName(uid string) string { return "chat_" + uid }
