package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
	"github.com/lobstr-go/lobstr/types"
)

// The models of squid chains, generated from the document.
type (
	// SquidChain is a squid's chain: when a run of the squid ends done, the mapped result
	// fields become tasks of a target squid on the target crawler.
	SquidChain = models.SquidChain
	// ChainTarget is the crawler a chain feeds.
	ChainTarget = models.ChainTarget
	// ChainCluster is the target squid, made on the chain's first trigger.
	ChainCluster = models.ChainCluster
)

// ChainOptions make a squid's chain (Squids.SetChain).
type ChainOptions struct {
	TargetCrawler string            // required: the target crawler's hash
	FieldMap      map[string]string // required: source result field → target task input, e.g. {"url": "url"}
	Autostart     *bool             // start runs on the target squid by themselves (default: true)
	Name          string            // the target squid's name; "" for "{Crawler Name} (N) (chained)"
	Concurrency   int               // the target squid's concurrency; 0 for the default (1)
}

// ChainUpdate changes a chain's settings (Squids.UpdateChain); nil fields do not change.
type ChainUpdate struct {
	Autostart   *bool
	Name        *string
	Concurrency *int // applies at once to a target squid that exists
}

// SetChain chains a squid to a target crawler (Configure Squid Chain). A squid has at most
// one chain (a second is a 409 *Error), and chains are at most 3 squids deep (422). Not
// retried: a retried create would meet its own chain.
func (s *SquidsService) SetChain(ctx context.Context, squid string, o ChainOptions) (*SquidChain, error) {
	const op = "Squids.SetChain"
	switch {
	case squid == "":
		return nil, argError(op, "squid", "empty; a squid id is required")
	case !ValidHash(o.TargetCrawler):
		return nil, argError(op, "TargetCrawler", "%q is not a crawler hash (32 lowercase hexadecimal characters)", clip(o.TargetCrawler, 40))
	case len(o.FieldMap) == 0:
		return nil, argError(op, "FieldMap", "empty; map at least one result field to a task input, e.g. url to url")
	case o.Concurrency < 0:
		return nil, argError(op, "Concurrency", "%d; want 1 or more (0 for the default)", o.Concurrency)
	}
	for _, k := range slices.Sorted(maps.Keys(o.FieldMap)) {
		if k == "" || o.FieldMap[k] == "" {
			return nil, argError(op, "FieldMap", "%q → %q: neither side may be empty", clip(k, 40), clip(o.FieldMap[k], 40))
		}
	}
	body := models.CreateSquidChainRequest{TargetModuleId: o.TargetCrawler, FieldMap: o.FieldMap, Autostart: o.Autostart}
	if o.Name != "" {
		body.ClusterName = &o.Name
	}
	if o.Concurrency > 0 {
		body.ClusterConcurrency = &o.Concurrency
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("api: %s: encoding the request: %w", op, err)
	}
	return send(ctx, s.client, request{op: op, build: func(base string) (*http.Request, error) {
		return gen.NewCreateSquidChainRequestWithBody(base, squid, "application/json", bytes.NewReader(b))
	}}, "a chain (no id)", func(c *SquidChain) bool { return c.Id != "" })
}

// Chain returns a squid's chain (Get Squid Chain), or nil and no error when it has none
// (the API answers null).
func (s *SquidsService) Chain(ctx context.Context, squid string) (*SquidChain, error) {
	const op = "Squids.Chain"
	if squid == "" {
		return nil, argError(op, "squid", "empty; a squid id is required")
	}
	n, err := send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewGetSquidChainRequest(base, squid)
	}}, "a chain or null", func(n *types.Nullable[SquidChain]) bool {
		c, ok := n.Get()
		return n.IsNull() || ok && c.Id != ""
	})
	if err != nil {
		return nil, err
	}
	return n.Ptr(), nil
}

// UpdateChain changes a chain's settings (Update Squid Chain). A squid without a chain is
// an *Error for which IsNotFound is true.
func (s *SquidsService) UpdateChain(ctx context.Context, squid string, u ChainUpdate) (*SquidChain, error) {
	const op = "Squids.UpdateChain"
	switch {
	case squid == "":
		return nil, argError(op, "squid", "empty; a squid id is required")
	case u.Autostart == nil && u.Name == nil && u.Concurrency == nil:
		return nil, argError(op, "update", "nothing to change")
	case u.Name != nil && *u.Name == "":
		return nil, argError(op, "Name", "empty")
	case u.Concurrency != nil && *u.Concurrency < 1:
		return nil, argError(op, "Concurrency", "%d; want 1 or more", *u.Concurrency)
	}
	b, err := json.Marshal(models.UpdateSquidChainRequest{Autostart: u.Autostart, ClusterName: u.Name, ClusterConcurrency: u.Concurrency})
	if err != nil {
		return nil, fmt.Errorf("api: %s: encoding the request: %w", op, err)
	}
	return send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewUpdateSquidChainRequestWithBody(base, squid, "application/json", bytes.NewReader(b))
	}}, "a chain (no id)", func(c *SquidChain) bool { return c.Id != "" })
}

// DeleteChain removes a squid's chain (Delete Squid Chain); neither squid is deleted. A
// squid without a chain is an *Error for which IsNotFound is true (so is a retried delete
// whose first attempt went through).
func (s *SquidsService) DeleteChain(ctx context.Context, squid string) error {
	const op = "Squids.DeleteChain"
	if squid == "" {
		return argError(op, "squid", "empty; a squid id is required")
	}
	_, err := s.client.do(ctx, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewDeleteSquidChainRequest(base, squid)
	}})
	return s.client.cred.redactError(err)
}
