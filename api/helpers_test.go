package api_test

import (
	"encoding/json"
	"net"
	"testing"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
