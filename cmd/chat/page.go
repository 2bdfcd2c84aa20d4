package main

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"clock": func(t time.Time) string { return t.Local().Format("15:04") },
	"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
}).ParseFS(templateFS, "templates/*.html"))

// pageData is what the templates see. html/template escapes every value.
type pageData struct {
	UID, Room, Error string
	Rooms            []roomJSON
	Messages         []Message
	Last             int64
	WebSocket        bool
}

// render writes the page name with data; the page is built in memory first
// so that a template error becomes a 500 rather than half a page.
func (a *App) render(w http.ResponseWriter, code int, name string, data pageData) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name+".html", data); err != nil {
		a.log.Error("template", "page", name, "err", err)
		fail(w, errorf(http.StatusInternalServerError, "internal error"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	w.Write(b.Bytes())
}

func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	return http.StripPrefix("/static/", http.FileServerFS(sub))
}
