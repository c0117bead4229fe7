package explore

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
)

//go:embed assets
var assetFS embed.FS

// asset is one embedded file of the page.
type asset struct {
	body        []byte
	contentType string
}

// contentSecurity keeps the page to its own files: no script, style, font or image
// from anywhere else, so the page works offline and cannot be made to fetch from the
// internet.
const contentSecurity = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (a asset) serve(w Writer, r *Request) {
	w.SetHeader("Content-Type", a.contentType)
	w.SetHeader("Content-Security-Policy", contentSecurity)
	w.SetHeader("Cache-Control", "no-cache")
	w.Write(a.body)
}

// loadAssets maps URL paths to the embedded files: "/" and "/NAME" for every file.
func loadAssets() (map[string]asset, error) {
	types := map[string]string{
		".html": "text/html; charset=utf-8",
		".js":   "text/javascript; charset=utf-8",
		".css":  "text/css; charset=utf-8",
	}
	m := map[string]asset{}
	entries, err := assetFS.ReadDir("assets")
	if err != nil {
		return nil, fmt.Errorf("explore: the embedded page: %w", err)
	}
	for _, e := range entries {
		body, err := assetFS.ReadFile("assets/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("explore: the embedded page: %w", err)
		}
		a := asset{body: body, contentType: types[path.Ext(e.Name())]}
		if a.contentType == "" {
			a.contentType = "application/octet-stream"
		}
		m["/"+e.Name()] = a
		if e.Name() == "index.html" {
			m["/"] = a
		}
	}
	return m, nil
}

// PageFiles returns the page's files (index.html, its scripts and style sheet), those
// the Server serves and an exported static folder holds.
func PageFiles() fs.FS {
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err) // "assets" is a valid path: fs.Sub cannot fail on it
	}
	return sub
}
