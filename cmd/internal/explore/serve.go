//go:build !js

package explore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultAddr is where the explorer listens unless told otherwise: this machine only.
const DefaultAddr = "127.0.0.1:8080"

// Listen opens addr ("host:port"; port 0 picks a free one) for Serve. Opening it before
// any long work (loading, training) reports an address in use at once.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	return ln, nil
}

// URL is the address of the page served on ln: "http://127.0.0.1:8080/". A listener on
// every interface is shown as localhost.
func URL(ln net.Listener) string {
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		return "http://" + ln.Addr().String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// shutdownGrace is how long Serve waits for requests in progress when it stops.
const shutdownGrace = 2 * time.Second

// Serve answers s.Handler on ln, behind hostGuard, until ctx is done, then ends the event streams, waits
// briefly for requests in progress, and closes ln. It returns nil after ctx is done and
// the error of the HTTP server otherwise.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           hostGuard(ln.Addr(), s.Handler()),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving the explorer: %w", err)
	case <-ctx.Done():
	}
	s.stopStreams()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stopping the explorer: %w", err)
	}
	return nil
}

// hostGuard answers 403 to a request whose Host header is not an address of the
// listener at addr, when addr is a loopback address. That is what a DNS-rebinding
// attack sends: a page from evil.example whose name then resolves to 127.0.0.1, so
// that the browser lets its script read this server's answers as its own. Listening
// on the loopback, the server answers only to its own host:port, written as the
// address itself, localhost, 127.0.0.1 or [::1]. Any other address (0.0.0.0, a
// network interface) was chosen to be reached under other names, so every Host is
// served there.
func hostGuard(addr net.Addr, next http.Handler) http.Handler {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		return next
	}
	port := strconv.Itoa(tcp.Port)
	allowed := map[string]bool{}
	for _, host := range []string{tcp.IP.String(), "localhost", "127.0.0.1", "::1"} {
		allowed[net.JoinHostPort(host, port)] = true
		if tcp.Port == 80 { // a browser leaves out the scheme's default port
			allowed[strings.TrimSuffix(net.JoinHostPort(host, ""), ":")] = true
		}
	}
	want := "http://" + net.JoinHostPort(tcp.IP.String(), port) + "/"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowed[strings.ToLower(r.Host)] {
			writeError(httpWriter{w}, statusForbidden, fmt.Sprintf("host %q is not this server's address: open %s (a server on the loopback answers only to its own address, against DNS rebinding)", r.Host, want))
			return
		}
		next.ServeHTTP(w, r)
	})
}
