package api

import (
	"context"
	"errors"
	"fmt"
	"iter"
)

// ErrInconsistentPage is wrapped by the error that ends a walk over a list (Tasks.All) when an
// answer cannot be a page of that list: it is another page than the one asked for, or it holds
// an item without an id. The walk has yielded what came before it.
var ErrInconsistentPage = errors.New("inconsistent page")

// IncompleteError ends a walk over a list (Tasks.All) that saw fewer items than the server
// announced: a page came back empty or short, or without a next page, or the walk reached the
// last page its first answer announced, while total_results still counted more. Every item
// the walk saw has been yielded before it.
type IncompleteError struct {
	Op        string // the walk: "Tasks.All"
	Seen      int    // distinct items yielded, from the starting page on
	Announced int    // items the server's last answer counted from the starting page on
	Reason    string // why the walk ended: "page 3 is empty", …
	Changed   bool   // total_results changed during the walk: the list was changed meanwhile
	Warning   string // the server's note on the last page, if any (a plan cap truncating the list)
}

// Error says how many items were seen of how many announced, and why the walk ended.
func (e *IncompleteError) Error() string {
	s := fmt.Sprintf("api: %s: incomplete: saw %d of the %d items the server announced (%s)", e.Op, e.Seen, e.Announced, e.Reason)
	if e.Changed {
		s += "; the list changed during the walk, walk again"
	}
	if e.Warning != "" {
		s += "; the server warns: " + clip(e.Warning, 200)
	}
	return s
}

// listPage is what walkPages reads of one answer of a paged list endpoint.
type listPage[T any] struct {
	items        []T
	page         int  // the page number the answer says it is
	limit        int  // the page size the answer says it used; 0 when it does not say
	totalResults int  // items in the whole list
	totalPages   int  // pages in the whole list
	hasNext      bool // the answer names a next page
	warning      string
}

// walkPages walks a paged list from page start (1 when 0), fetching each page only when the
// consumer reaches it, and yields its items; limit is the page size asked for (0 for the
// server's default). Its contract, shared by every All method:
//
//   - It ends. It asks no page beyond the last one the first answer announced (total_pages,
//     or total_results over the page size when that is more), and it stops at the first page
//     that is empty, short (fewer items than the page size), or has no next page.
//   - No item is yielded twice: items are told apart by id, and one seen before is skipped.
//   - An answer for another page than the one asked for, or an item without an id, ends the
//     walk with an error wrapping ErrInconsistentPage.
//   - When it ends having yielded fewer distinct items than the last answer's total_results
//     counts from the starting page, it yields an *IncompleteError.
//   - A fetch error is yielded as it is, and ends the walk.
//
// The pages are numbered, so a list that changes during a walk shifts under it: an item
// added before the current page pushes later ones a page further, where they are seen again
// and skipped as duplicates; an item deleted before the current page pulls a later one back
// onto a page already read, and that one is missed. A shortfall shows as an
// *IncompleteError (Changed set when the count moved); a deletion and an addition that
// cancel out do not. Only a walk over a list nobody changes meanwhile is sure to see every
// item once. The ids seen are kept until the walk ends.
func walkPages[T any](ctx context.Context, op string, start, limit int, fetch func(ctx context.Context, page int) (*listPage[T], error), id func(T) string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if start <= 0 {
			start = 1
		}
		seen := make(map[string]struct{})
		var size, last, firstTotal int
		for page := start; ; page++ {
			p, err := fetch(ctx, page)
			if err != nil {
				yield(zero, err)
				return
			}
			if p.page != page {
				yield(zero, fmt.Errorf("api: %s: asked for page %d, the server answered page %d: %w", op, page, p.page, ErrInconsistentPage))
				return
			}
			if page == start {
				size = p.limit
				if size <= 0 {
					size = limit
				}
				if size <= 0 {
					size = max(len(p.items), 1)
				}
				last = max(p.totalPages, ceilDiv(p.totalResults, size))
				firstTotal = p.totalResults
			}
			for i, it := range p.items {
				k := id(it)
				if k == "" {
					yield(zero, fmt.Errorf("api: %s: page %d: item %d has no id: %w", op, page, i, ErrInconsistentPage))
					return
				}
				if _, dup := seen[k]; dup {
					continue
				}
				seen[k] = struct{}{}
				if !yield(it, nil) {
					return
				}
			}
			var end string
			switch {
			case len(p.items) == 0:
				end = fmt.Sprintf("page %d is empty", page)
			case !p.hasNext:
				end = fmt.Sprintf("page %d has no next page", page)
			case len(p.items) < size:
				end = fmt.Sprintf("page %d holds %d items, not %d, yet names a next page", page, len(p.items), size)
			case page >= last:
				end = fmt.Sprintf("page %d is the last of the %d the first answer announced", page, last)
			}
			if end == "" {
				continue
			}
			if want := p.totalResults - (start-1)*size; len(seen) < want {
				yield(zero, &IncompleteError{
					Op: op, Seen: len(seen), Announced: want, Reason: end,
					Changed: p.totalResults != firstTotal, Warning: p.warning,
				})
			}
			return
		}
	}
}

// ceilDiv is a/b rounded up, for a >= 0 and b > 0; 0 for a negative a.
func ceilDiv(a, b int) int {
	if a <= 0 {
		return 0
	}
	return (a-1)/b + 1
}

func pageArgs(op string, page, limit int) (*int, *int, error) {
	if page < 0 {
		return nil, nil, argError(op, "Page", "%d; want 1 or more (0 for the first page)", page)
	}
	if limit < 0 || limit > MaxPageSize {
		return nil, nil, argError(op, "Limit", "%d; want 1 to %d (0 for the server's default)", limit, MaxPageSize)
	}
	var p, l *int
	if page > 0 {
		p = &page
	}
	if limit > 0 {
		l = &limit
	}
	return p, l, nil
}
