package feed

import (
	"crypto/sha256"
	"encoding/hex"
)

// Key prefixes name the kind of identity, so that a GUID that happens to be
// a URL can never collide with a canonical link or a hash.
const (
	keyGUID = "guid:"
	keyURL  = "url:"
	keyHash = "hash:"
)

// HashKey returns the identity of an item that has neither a usable GUID nor
// a link: a hash of its title and summary.
func HashKey(title, summary string) string {
	return keyHash + digest(title, summary)
}

func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// assignKeys gives every item of one fetch its Key (docs/architecture.md, "Item identity"): the
// GUID when present and unique within the fetch, else the canonical link
// when unique within the fetch, else a hash of title and summary. Items that
// still share a key but differ in content get the hash of their whole
// content appended, so that a feed reusing one GUID for different articles
// loses none of them; items identical in every field are one item and only
// the first is kept. The result has unique, non-empty keys.
func assignKeys(items []Item) []Item {
	guids := make(map[string]int, len(items))
	urls := make(map[string]int, len(items))
	for _, it := range items {
		if it.GUID != "" {
			guids[it.GUID]++
		}
		if it.CanonicalURL != "" {
			urls[it.CanonicalURL]++
		}
	}
	for i := range items {
		it := &items[i]
		switch {
		case it.GUID != "" && guids[it.GUID] == 1:
			it.Key = keyGUID + it.GUID
		case it.CanonicalURL != "" && urls[it.CanonicalURL] == 1:
			it.Key = keyURL + it.CanonicalURL
		default:
			it.Key = HashKey(it.Title, it.Summary)
		}
	}

	count := make(map[string]int, len(items))
	for _, it := range items {
		count[it.Key]++
	}
	seen := make(map[string]bool, len(items))
	out := items[:0]
	for _, it := range items {
		if count[it.Key] > 1 {
			it.Key += "#" + contentDigest(it)
		}
		if seen[it.Key] {
			continue
		}
		seen[it.Key] = true
		out = append(out, it)
	}
	return out
}

func contentDigest(it Item) string {
	return digest(it.GUID, it.URL, it.Title, it.Summary, it.Content, it.Author,
		it.Category, it.Outlet, it.Published.UTC().Format("2006-01-02T15:04:05.999999999Z"))
}
