package api

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
)

// ErrInconsistentPage is wrapped by the error that ends a walk over a list (Tasks.All) when an
// answer cannot be a page of that list: it is another page than the one asked for, or it holds
// an item without an id. The walk has yielded what came before it.
var ErrInconsistentPage = errors.New("inconsistent page")

// ErrRepeatedPage is wrapped by the error that ends a walk over a list (Tasks.All and every
// other All, Crawlers.List, Accounts.Types) when a page that is not the last holds only
// items the walk has seen before: a server that answers the same page again and again,
// whatever number of pages it announces, would otherwise be walked until the context ends.
// When the walk has seen fewer items than the server counts, the error is an
// *IncompleteError whose Err is ErrRepeatedPage.
var ErrRepeatedPage = errors.New("a page holds only items seen before")

// seenCap is how many ids a walk remembers, as 64-bit hashes (8 MiB or so at most); past
// it, the items of its last recentPages pages are remembered too (see walkPages).
const seenCap = 1 << 19

// recentPages is how many of its last pages a walk remembers past seenCap.
const recentPages = 2

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
	Err       error  // ErrRepeatedPage when a page held only items seen before; else nil
}

// Unwrap returns Err, so that errors.Is(err, ErrRepeatedPage) sees it.
func (e *IncompleteError) Unwrap() error { return e.Err }

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
//     A page that is not the last and yields no item unseen ends the walk with an error
//     wrapping ErrRepeatedPage (an *IncompleteError when the count is short).
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
// item once.
//
// Memory is bounded whatever the ids: the walk keeps a 64-bit hash of each id (seeded at
// random for each walk), not the id, for the first seenCap (524,288) distinct items, plus
// the hashes of its last two pages. Past the cap, an item is told apart from those and
// from the items of the last two pages only: a server that sends an item again after that
// gets it yielded again. Two ids of one walk whose hashes collide (for a million items,
// about once in 10^7 walks) would have the second skipped.
func walkPages[T any](ctx context.Context, op string, start, limit int, fetch func(ctx context.Context, page int) (*listPage[T], error), id func(T) string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if start <= 0 {
			start = 1
		}
		seen := newSeenSet()
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
			fresh := 0
			for i, it := range p.items {
				k := id(it)
				if k == "" {
					yield(zero, fmt.Errorf("api: %s: page %d: item %d has no id: %w", op, page, i, ErrInconsistentPage))
					return
				}
				if !seen.add(k) {
					continue
				}
				fresh++
				if !yield(it, nil) {
					return
				}
			}
			seen.endPage()
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
			want := p.totalResults - (start-1)*size
			if end == "" && fresh == 0 {
				reason := fmt.Sprintf("page %d holds only items seen before", page)
				if seen.n < want {
					yield(zero, &IncompleteError{
						Op: op, Seen: seen.n, Announced: want, Reason: reason,
						Changed: p.totalResults != firstTotal, Warning: p.warning, Err: ErrRepeatedPage,
					})
				} else {
					yield(zero, fmt.Errorf("api: %s: %s, yet the server names a next page (%d items seen): %w", op, reason, seen.n, ErrRepeatedPage))
				}
				return
			}
			if end == "" {
				continue
			}
			if seen.n < want {
				yield(zero, &IncompleteError{
					Op: op, Seen: seen.n, Announced: want, Reason: end,
					Changed: p.totalResults != firstTotal, Warning: p.warning,
				})
			}
			return
		}
	}
}

// seenSet is what a walk remembers of the ids it has yielded: their hashes (see walkPages).
type seenSet struct {
	seed   maphash.Seed
	all    map[uint64]struct{} // up to seenCap hashes
	recent [recentPages]map[uint64]struct{}
	n      int // distinct items yielded
}

func newSeenSet() *seenSet {
	return &seenSet{seed: maphash.MakeSeed(), all: make(map[uint64]struct{})}
}

// add records id and reports whether it is new.
func (s *seenSet) add(id string) bool {
	h := maphash.String(s.seed, id)
	if _, dup := s.all[h]; dup {
		return false
	}
	for _, page := range s.recent {
		if _, dup := page[h]; dup {
			return false
		}
	}
	if len(s.all) < seenCap {
		s.all[h] = struct{}{}
	} else {
		if s.recent[0] == nil {
			s.recent[0] = make(map[uint64]struct{})
		}
		s.recent[0][h] = struct{}{}
	}
	s.n++
	return true
}

// endPage starts a new page: the oldest page remembered past the cap is forgotten.
func (s *seenSet) endPage() {
	if len(s.all) < seenCap {
		return
	}
	old := s.recent[recentPages-1]
	copy(s.recent[1:], s.recent[:recentPages-1])
	clear(old)
	s.recent[0] = old
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
