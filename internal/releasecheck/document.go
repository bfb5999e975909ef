package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The levels oasdiff gives a change.
const (
	levelInfo = 1 // an addition or a change no client notices
	levelWarn = 2 // may break a client: printed, not gated
	levelErr  = 3 // breaks a client: gated
)

// severityLevels raises to "err" the changes oasdiff calls harmless for an HTTP client
// but that break this SDK's users: a property the document drops is a field the
// generated models drop, an enum value it drops is a constant they drop.
//
//go:embed severity-levels.txt
var severityLevels []byte

// DocChange is one change oasdiff found between two OpenAPI documents.
type DocChange struct {
	ID        string `json:"id"`        // oasdiff's rule id, e.g. response-required-property-removed
	Text      string `json:"text"`      // what changed, in words
	Level     int    `json:"level"`     // levelInfo, levelWarn or levelErr
	Operation string `json:"operation"` // the HTTP method, when the change is in an operation
	Path      string `json:"path"`      // the operation's path
}

// Breaking reports whether the change breaks a client (oasdiff's error level).
func (c DocChange) Breaking() bool { return c.Level >= levelErr }

// Where names the operation the change is in, or "the document".
func (c DocChange) Where() string {
	if c.Path == "" {
		return "the document"
	}
	return c.Operation + " " + c.Path
}

// DiffDocuments runs oasdiff's changelog (every change, with its level) between the
// documents base and head, with this SDK's severity levels. tmp is a directory for
// oasdiff's configuration.
func DiffDocuments(ctx context.Context, oasdiff, base, head, tmp string) ([]DocChange, error) {
	levels := filepath.Join(tmp, "severity-levels.txt")
	if err := os.WriteFile(levels, severityLevels, 0o644); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, oasdiff, "changelog", base, head,
		"--format", "json", "--severity-levels", levels)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("oasdiff changelog %s %s: %v: %s", base, head, err, strings.TrimSpace(stderr.String()))
	}
	return parseDocChanges(stdout.Bytes())
}

// parseDocChanges reads oasdiff's JSON changelog.
func parseDocChanges(out []byte) ([]DocChange, error) {
	var changes []DocChange
	if err := json.Unmarshal(out, &changes); err != nil {
		return nil, fmt.Errorf("oasdiff's output is not its JSON changelog: %v", err)
	}
	kept := changes[:0]
	for i, c := range changes {
		if c.ID == "" || c.Level < levelInfo || c.Level > levelErr {
			return nil, fmt.Errorf("oasdiff's change %d has no id or an unknown level %d", i, c.Level)
		}
		// The document's info.version is lobstr's API version, not this SDK's.
		if c.ID != "api-version-not-bumped" {
			kept = append(kept, c)
		}
	}
	return kept, nil
}
