package stackbench

import (
	"net"
	"net/http"
	"time"
)

// generated are the headers net/http writes itself.
var generated = map[string]bool{"Date": true, "Content-Length": true, "Connection": true, "Transfer-Encoding": true}

// Bare is a plain net/http server on 127.0.0.1 answering every request
// with one recorded answer: the same status, headers and body.
type Bare struct {
	URL string // http://127.0.0.1:port
	srv *http.Server
}

// ServeBare starts a Bare server answering a.
func ServeBare(a Answer) (*Bare, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	header := http.Header{}
	for k, vs := range a.Header {
		if !generated[k] {
			header[k] = vs
		}
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		out := w.Header()
		for k, vs := range header {
			out[k] = vs
		}
		w.WriteHeader(a.Status)
		_, _ = w.Write(a.Body)
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &Bare{URL: "http://" + ln.Addr().String(), srv: srv}, nil
}

// Close stops the server.
func (b *Bare) Close() error { return b.srv.Close() }
