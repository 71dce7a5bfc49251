package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hallq/server/client"
)

func TestPhoto(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nrest")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/windows/{id}/photo", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("id") {
		case "1":
			w.Header().Set("Content-Type", "image/png")
			w.Write(png)
		case "html":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>"))
		case "big":
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write(make([]byte, client.MaxPhoto+1))
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":{"code":"ENOTFOUND","message":"window \"2\" has no photo"}}`))
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := newClient(t, srv.URL, "")
	ctx := context.Background()

	got, err := c.Photo(ctx, "/api/v1/windows/1/photo")
	if err != nil || string(got) != string(png) {
		t.Fatalf("photo: %q %v", got, err)
	}
	var apiErr *client.Error
	if _, err := c.Photo(ctx, "/api/v1/windows/2/photo"); !errors.As(err, &apiErr) || apiErr.Code != "ENOTFOUND" {
		t.Fatalf("missing photo: %v", err)
	}
	for url, want := range map[string]string{
		"/api/v1/windows/html/photo": "content type",
		"/api/v1/windows/big/photo":  "larger than",
		"/api/v1/board":              "not the photo URL",
		"https://elsewhere/x/photo":  "not the photo URL",
	} {
		if _, err := c.Photo(ctx, url); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error about %s", url, err, want)
		}
	}
}
