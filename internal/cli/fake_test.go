package cli

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/lobstr-go/lobstr/gen/models"
	"github.com/lobstr-go/lobstr/openapi"
	"github.com/lobstr-go/lobstr/types"
)

// fixture returns a documented example body, from the project's copy in openapi/fixtures.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := openapi.Fixture(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testToken is the only API key the fake accepts in these tests.
const testToken = "test-token-5f3a"

// newServer starts the fake API for a test.
func newServer(t *testing.T) (url, token string) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	return srv.URL, srv.Token
}

// lifeTask starts the fake API with one more task, in the seed squid, that follows l.
func lifeTask(t *testing.T, hash string, l apitest.Lifecycle) (url, token string) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	ts, err := types.ParseTimestamp("2025-03-05T09:24:49.581177")
	if err != nil {
		t.Fatal(err)
	}
	srv.PutTask(apitest.SeedSquid, models.Task{
		HashValue: hash,
		CreatedAt: ts,
		IsActive:  true,
		Module:    types.ModuleInt(5),
		Object:    "task",
		Params:    models.Params{"url": "https://www.example.com/" + hash},
		Status:    models.TaskStatus{Status: models.Pending, Errors: json.RawMessage("null")},
	})
	srv.SetLifecycle(hash, l)
	return srv.URL, srv.Token
}

// runningTask starts the fake API with a task that runs for an hour.
func runningTask(t *testing.T) (url, token, hash string) {
	hash = "abcdef0123456789abcdef0123456789"
	url, token = lifeTask(t, hash, apitest.Lifecycle{Duration: time.Hour, Results: 100})
	return url, token, hash
}
