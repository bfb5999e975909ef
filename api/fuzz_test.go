package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzWalkPages: whatever pages a server answers with, a walk ends within the pages its first
// answer announced, yields no id twice, yields at most one error and nothing after it, and
// ends without an error only having seen at least as many items as the last answer counted.
func FuzzWalkPages(f *testing.F) {
	f.Add([]byte{0, 10, 0, 0x31, 0, 10, 10, 0x31, 0, 5, 20, 0x30}) // an honest 25-item list
	f.Add([]byte{201, 10, 0, 0xff})                                // always the wrong page
	f.Add([]byte{0, 10, 0, 0xfb})                                  // page 1's items again and again
	f.Add([]byte{0, 0, 0, 0xff})                                   // empty pages that name a next
	f.Add([]byte{255, 0, 0, 0})                                    // a fetch error
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) < 4 {
			return
		}
		const size = 10
		fetchErr := errors.New("network down")
		var fetches, lastTotal, firstPages int
		fetch := func(_ context.Context, page int) (*listPage[string], error) {
			i := fetches * 4 % (len(script) - len(script)%4)
			b := script[i : i+4]
			fetches++
			if fetches > 1000 {
				t.Fatal("the walk does not end")
			}
			if b[0] == 255 {
				return nil, fetchErr
			}
			p := &listPage[string]{page: page, limit: size, hasNext: b[3]&1 == 1, totalResults: int(b[3] >> 1), totalPages: int(b[3] >> 5)}
			if b[0] >= 200 {
				p.page += int(b[0]%5) - 2
			}
			for j := range int(b[1]) % (size + 2) {
				p.items = append(p.items, strconv.Itoa((int(b[2])+j)%40))
			}
			if fetches == 1 {
				firstPages = max(p.totalPages, ceilDiv(p.totalResults, size))
			}
			lastTotal = p.totalResults
			return p, nil
		}
		seen := map[string]bool{}
		var walkErr error
		for id, err := range walkPages(t.Context(), "Fuzz", 0, size, fetch, func(s string) string { return s }) {
			if walkErr != nil {
				t.Fatalf("yield after the error %v", walkErr)
			}
			if err != nil {
				walkErr = err
				continue
			}
			if seen[id] {
				t.Fatalf("%s yielded twice", id)
			}
			seen[id] = true
		}
		if fetches > max(firstPages, 1) {
			t.Fatalf("%d fetches; the first answer announced %d pages", fetches, firstPages)
		}
		var ie *IncompleteError
		switch {
		case walkErr == nil:
			if len(seen) < lastTotal {
				t.Fatalf("ended without an error having seen %d of %d", len(seen), lastTotal)
			}
		case errors.As(walkErr, &ie):
			if ie.Seen != len(seen) || ie.Seen >= ie.Announced {
				t.Fatalf("%+v after %d items", ie, len(seen))
			}
		case errors.Is(walkErr, ErrInconsistentPage), errors.Is(walkErr, ErrRepeatedPage), walkErr == fetchErr:
		default:
			t.Fatalf("undocumented error %v", walkErr)
		}
	})
}

// FuzzReadCapped: readCapped returns the body exactly when it fits under the cap and is as
// long as announced; errBodyTooLarge (and the first limit bytes, when asked) when it is over.
func FuzzReadCapped(f *testing.F) {
	f.Add([]byte("{}"), int64(2), int64(10), false, uint8(0))
	f.Add([]byte("{}"), int64(1<<40), int64(1<<41), false, uint8(1))
	f.Add(bytes.Repeat([]byte("x"), 1000), int64(-1), int64(999), true, uint8(7))
	f.Fuzz(func(t *testing.T, body []byte, size, limit int64, keep bool, chunk uint8) {
		if limit <= 0 || limit > 1<<16 || size < -1 {
			return
		}
		var r io.Reader = bytes.NewReader(body)
		if chunk > 0 {
			r = &chunkReader{r: r, n: int(chunk)}
		}
		got, err := readCapped(r, size, limit, keep)
		n := int64(len(body))
		switch {
		case n > limit || (size > limit && !keep):
			if err != errBodyTooLarge {
				t.Fatalf("%d bytes (announced %d) over the cap %d: %v", n, size, limit, err)
			}
			if keep && n > limit && !bytes.Equal(got, body[:limit]) {
				t.Fatalf("prefix of %d bytes; want %d", len(got), limit)
			}
		case size >= 0 && n < size:
			if err != io.ErrUnexpectedEOF {
				t.Fatalf("%d bytes announced as %d: %v", n, size, err)
			}
		default:
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("%d bytes (announced %d, cap %d): got %d, %v", n, size, limit, len(got), err)
			}
		}
	})
}

// chunkReader hands out at most n bytes a read.
type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

// FuzzRedact: no redacted text or body holds the token, and one without it comes back as it
// was.
func FuzzRedact(f *testing.F) {
	f.Add("s3cret-token", "error: s3cret-token here")
	f.Add("ted]abc", "[redacted]abc ted]abc")
	f.Add("aaaa", "aaaaaaaaa")
	f.Add("a<b>&/c", `{"x": "a\u003cb\u003e\u0026/c", "y": "a\u003cb\u003e\u0026\/c"}`)
	// issue 20: \u escapes, base64 and URL encoding of the token
	f.Add("tok/en+Zq8", `{"x": "\u0074\u006F\u006b/en+Zq8", "y": "dG9rL2VuK1pxOA==", "z": "tok%2Fen%2bZq8"}`)
	f.Add("tok/en+Zq8-long", `Basic dXNlcjp0b2svZW4rWnE4LWxvbmc=; eHl0b2svZW4rWnE4LWxvbmc`)
	f.Add("ab😀cd", `"ab\ud83d\ude00cd" "ab\\ud83d\\ude00cd" "ab%F0%9F%98%80cd"`)
	f.Fuzz(func(t *testing.T, tok, text string) {
		if checkToken(tok) != nil || len(tok) < MinRedactLen {
			return
		}
		c := &credential{values: []string{"Token " + tok}}
		if s := c.redactString(text); strings.Contains(s, tok) {
			t.Fatalf("redactString(%q) = %q", text, s)
		} else if s != text && !strings.Contains(s, redactedText) {
			t.Fatalf("redactString(%q) changed the text without redacting: %q", text, s)
		}
		if s := c.redactString(text); redactFormsString(s, tok) != s {
			t.Fatalf("redactString(%q) = %q still holds an encoded form of the token", text, s)
		}
		if b := c.redactBytes([]byte(text)); bytes.Contains(b, []byte(tok)) {
			t.Fatalf("redactBytes(%q) = %q", text, b)
		}
		e := ParseError(400, nil, c.redactBytes([]byte(text)))
		// Each field apart: their concatenation can spell the token across a boundary.
		if err := c.redactError(e); strings.Contains(err.Error(), tok) || slices.ContainsFunc([]string{string(e.Body), e.Message, e.Type, e.Param}, func(f string) bool { return strings.Contains(f, tok) }) {
			t.Fatalf("the *Error of %q holds the token: %+v", text, e)
		}
	})
}
