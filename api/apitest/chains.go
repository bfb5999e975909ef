package apitest

import (
	"context"
	"maps"
	"net/http"
	"strconv"
	"time"

	"github.com/lobstr-go/lobstr/gen"
)

// maxChainDepth is the documented limit: a chain is at most 3 squids deep.
const maxChainDepth = 3

// chainDepth is how many squids a chain ending at squid id holds: 1 for a squid no chain
// feeds. f.mu is held.
func (f *Fake) chainDepth(id string) int {
	depth := 1
	for seen := map[string]bool{id: true}; ; {
		from := ""
		for src, c := range f.more().chains {
			if tc, ok := c["target_cluster"].(map[string]any); ok && tc["id"] == id {
				from = src
				break
			}
		}
		if from == "" || seen[from] {
			return depth
		}
		seen[from] = true
		depth++
		id = from
	}
}

// chainView is a squid's chain as the API shows it, triggered first when a run of the
// squid has ended done: the target squid is made then (named cluster_name, or
// "{Crawler Name} (N) (chained)"; the fake queues no tasks on it). f.mu is held.
func (f *Fake) chainView(sq *squid) map[string]any {
	c := f.more().chains[sq.id]
	if c == nil {
		return nil
	}
	if c["target_cluster"] == nil {
		now := time.Now()
		for _, r := range sq.runs {
			rec := f.runs[r]
			rec.advance(now, false)
			if rec.status != runDone {
				continue
			}
			cr := catalogue().byID[c["target_module"].(map[string]any)["id"].(string)]
			name, _ := c["cluster_name"].(string)
			if name == "" {
				n := 1
				for _, id := range f.squidOrder {
					if f.squids[id].crawler == cr {
						n++
					}
				}
				name = cr.name + " (" + strconv.Itoa(n) + ") (chained)"
			}
			id := newHash()
			target := &squid{module: cr.id, keys: map[string]string{}, squidSettings: newSettings(id, name, cr, now)}
			target.createdVia = "api"
			target.paramsSaved = true
			if n, ok := c["cluster_concurrency"].(int); ok {
				target.concurrency = n
			}
			f.squids[id] = target
			f.squidOrder = append(f.squidOrder, id)
			c["target_cluster"] = map[string]any{"id": id, "hash_value": id, "name": name}
			break
		}
	}
	return maps.Clone(c)
}

// CreateSquidChain chains a squid to a crawler of the catalogue.
func (s *server) CreateSquidChain(ctx context.Context, req gen.CreateSquidChainRequestObject) (gen.CreateSquidChainResponseObject, error) {
	b := req.Body
	if b == nil || len(b.FieldMap) == 0 {
		return answer(ctx, http.StatusBadRequest, fixture("docs/configure-squid-chain.400.json")), nil
	}
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	sq, ok := f.squids[req.SquidHash]
	if !ok {
		return answer(ctx, http.StatusNotFound, errSquidPathNotFound), nil
	}
	cr, ok := catalogue().byID[b.TargetModuleId]
	if !ok {
		return answer(ctx, http.StatusBadRequest, map[string]any{"error": "target_module_id is not a crawler."}), nil
	}
	m := f.more()
	if _, ok := m.chains[sq.id]; ok {
		return answer(ctx, http.StatusConflict, fixture("docs/configure-squid-chain.409.json")), nil
	}
	if f.chainDepth(sq.id) >= maxChainDepth {
		return answer(ctx, http.StatusUnprocessableEntity, fixture("docs/configure-squid-chain.422.json")), nil
	}
	maxConc := 20
	if mc, ok := cr.details["max_concurrency"].(float64); ok {
		maxConc = int(mc)
	}
	c := map[string]any{
		"id": newHash(),
		"target_module": map[string]any{"id": cr.id, "public_name": cr.name,
			"name": cr.details["name"], "max_concurrency": maxConc},
		"target_cluster": nil, "field_map": maps.Clone(b.FieldMap), "is_active": true, "autostart": true,
		"cluster_name": nil, "cluster_concurrency": nil, "created_at": time.Now().UTC().Format(time.RFC3339),
	}
	if c["target_module"].(map[string]any)["name"] == nil {
		c["target_module"].(map[string]any)["name"] = cr.name
	}
	if b.Autostart != nil {
		c["autostart"] = *b.Autostart
	}
	if b.ClusterName != nil {
		c["cluster_name"] = *b.ClusterName
	}
	if b.ClusterConcurrency != nil {
		c["cluster_concurrency"] = *b.ClusterConcurrency
	}
	m.chains[sq.id] = c
	return answer(ctx, http.StatusCreated, maps.Clone(c)), nil
}

// GetSquidChain answers the chain, or the JSON literal null when the squid has none.
func (s *server) GetSquidChain(ctx context.Context, req gen.GetSquidChainRequestObject) (gen.GetSquidChainResponseObject, error) {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	sq, ok := f.squids[req.SquidHash]
	if !ok {
		return answer(ctx, http.StatusNotFound, errSquidPathNotFound), nil
	}
	if c := f.chainView(sq); c != nil {
		return answer(ctx, http.StatusOK, c), nil
	}
	return answer(ctx, http.StatusOK, []byte("null\n")), nil
}

// UpdateSquidChain changes the settings sent; a new concurrency applies to the target squid
// at once when it exists.
func (s *server) UpdateSquidChain(ctx context.Context, req gen.UpdateSquidChainRequestObject) (gen.UpdateSquidChainResponseObject, error) {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	sq, ok := f.squids[req.SquidHash]
	if !ok || f.more().chains[sq.id] == nil {
		return answer(ctx, http.StatusNotFound, fixture("docs/update-squid-chain.404.json")), nil
	}
	c := f.more().chains[sq.id]
	if b := req.Body; b != nil {
		if b.Autostart != nil {
			c["autostart"] = *b.Autostart
		}
		if b.ClusterName != nil {
			c["cluster_name"] = *b.ClusterName
		}
		if b.ClusterConcurrency != nil {
			c["cluster_concurrency"] = *b.ClusterConcurrency
			if tc, ok := c["target_cluster"].(map[string]any); ok {
				if target, ok := f.squids[tc["id"].(string)]; ok {
					target.concurrency = *b.ClusterConcurrency
				}
			}
		}
	}
	return answer(ctx, http.StatusOK, f.chainView(sq)), nil
}

// DeleteSquidChain removes the chain, keeping both squids.
func (s *server) DeleteSquidChain(ctx context.Context, req gen.DeleteSquidChainRequestObject) (gen.DeleteSquidChainResponseObject, error) {
	f := s.f
	f.mu.Lock()
	_, ok := f.squids[req.SquidHash]
	if ok {
		_, ok = f.more().chains[req.SquidHash]
		delete(f.more().chains, req.SquidHash)
	}
	f.mu.Unlock()
	if !ok {
		return answer(ctx, http.StatusNotFound, fixture("docs/delete-squid-chain.404.json")), nil
	}
	resp := gen.DeleteSquidChain204Response{}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
}

func (a jsonAnswer) VisitCreateSquidChainResponse(w http.ResponseWriter) error { return a.visit(w) }
func (a jsonAnswer) VisitGetSquidChainResponse(w http.ResponseWriter) error    { return a.visit(w) }
func (a jsonAnswer) VisitUpdateSquidChainResponse(w http.ResponseWriter) error { return a.visit(w) }
func (a jsonAnswer) VisitDeleteSquidChainResponse(w http.ResponseWriter) error { return a.visit(w) }
