package match

// wordIndex finds the atoms of a watchlist in the normalized tokens of a
// document, a token at a time: every atom is a sequence of words, the last
// one possibly a prefix (`leak*`), so a document's token is looked up once
// in a hash table of the watchlist's words, and a trie over word ids
// follows the atoms of several words. It holds no pointers (the collector
// never scans it) and grows with the words of the watchlist, not with the
// states and byte classes of a byte automaton: the 20,000-actor benchmark
// watchlist takes about 4 MB here against 64 MB as a DFA.
type wordIndex struct {
	text  []byte  // the words' bytes, back to back
	words []iword // by word id
	// slots is an open-addressing table of word ids by hash.
	slots []islot
	// edges maps (node, word id) to a child node for nodes other than
	// the root (the root's children are iword.root).
	edges []iedge
	nodes []inode
	// prefixLens[n] is set when some prefix word is n bytes long (the
	// last entry stands for every longer one).
	prefixLens [maxPrefixLen + 1]bool
	// prefixBits has a bit for the hash of every prefix word, so that
	// most prefixes of a token cost no table probe; startBits one for the
	// hash of the first startLen bytes of every prefix word at least that
	// long, so that most tokens stop looking for prefixes there; wordBits
	// one for every whole word, so that most tokens cost no probe at all.
	prefixBits, startBits, wordBits bitSet
}

// bitSet is a Bloom filter with one hash: a power of two of bits.
type bitSet struct {
	bits []uint64
	mask uint32
}

func newBitSet(n int) bitSet {
	size := tableSize2(8 * n) // 16 bits per member: about 6 % false positives
	return bitSet{bits: make([]uint64, (size+63)/64), mask: uint32(size - 1)}
}

func (s *bitSet) add(h uint32) {
	i := mix(h) & s.mask
	s.bits[i>>6] |= 1 << (i & 63)
}

func (s *bitSet) has(h uint32) bool {
	i := mix(h) & s.mask
	return s.bits[i>>6]&(1<<(i&63)) != 0
}

// islot is one slot of the word table: a word id and its hash, so that a
// probe reads the word only when the hashes agree; id -1 is empty.
type islot struct {
	hash uint32
	id   int32
}

// maxPrefixLen bounds the lengths prefixLens tells apart.
const maxPrefixLen = 63

// startLen is the length in bytes (three Cyrillic letters) at which a
// token that begins no prefix word stops being looked up as a prefix.
const startLen = 6

type iword struct {
	off, n uint32
	hash   uint32
	prefix bool
	root   int32 // the root's child through this word, or -1
}

type iedge struct {
	key   uint64 // node<<32 | word; 0 is an empty slot (node 0 is the root)
	child int32
}

type inode struct {
	atom int32 // the atom that ends here, or -1
	kids bool  // whether any edge leaves this node
}

// fnvStep is one byte of FNV-1a, the hash of words and prefixes alike.
func fnvStep(h uint32, c byte) uint32 { return (h ^ uint32(c)) * 16777619 }

const fnvBasis = 2166136261

// fnvHash is FNV-1a of b, the hash of a word.
func fnvHash(b []byte) uint32 {
	h := uint32(fnvBasis)
	for _, c := range b {
		h = fnvStep(h, c)
	}
	return h
}

// wordIndexBuilder collects the atoms of a compile.
type wordIndexBuilder struct {
	ix    wordIndex
	ids   map[string]int32 // word (prefix words after a NUL) -> id
	edges map[uint64]int32
}

func newWordIndexBuilder() *wordIndexBuilder {
	return &wordIndexBuilder{
		ix:    wordIndex{nodes: []inode{{atom: -1}}},
		ids:   map[string]int32{},
		edges: map[uint64]int32{},
	}
}

// add registers atom a, the sequence words, the last one a prefix when
// prefix is set. Each sequence is added once (compiler.atom dedups them).
func (b *wordIndexBuilder) add(words []string, prefix bool, a int32) {
	node := int32(0)
	for i, w := range words {
		id := b.word(w, prefix && i == len(words)-1)
		node = b.child(node, id)
	}
	b.ix.nodes[node].atom = a
}

func (b *wordIndexBuilder) word(w string, prefix bool) int32 {
	key := w
	if prefix {
		key = "\x00" + w
	}
	if id, ok := b.ids[key]; ok {
		return id
	}
	id := int32(len(b.ix.words))
	b.ids[key] = id
	h := uint32(fnvBasis)
	for i := 0; i < len(w); i++ {
		h = fnvStep(h, w[i])
	}
	b.ix.words = append(b.ix.words, iword{off: uint32(len(b.ix.text)), n: uint32(len(w)), hash: h, prefix: prefix, root: -1})
	b.ix.text = append(b.ix.text, w...)
	return id
}

func (b *wordIndexBuilder) child(node, id int32) int32 {
	if node == 0 {
		if c := b.ix.words[id].root; c >= 0 {
			return c
		}
	} else if c, ok := b.edges[uint64(node)<<32|uint64(id)]; ok {
		return c
	}
	c := int32(len(b.ix.nodes))
	b.ix.nodes = append(b.ix.nodes, inode{atom: -1})
	b.ix.nodes[node].kids = true
	if node == 0 {
		b.ix.words[id].root = c
	} else {
		b.edges[uint64(node)<<32|uint64(id)] = c
	}
	return c
}

// build returns the finished index, or nil when it holds no word.
func (b *wordIndexBuilder) build() *wordIndex {
	ix := &b.ix
	if len(ix.words) == 0 {
		return nil
	}
	ix.slots = make([]islot, tableSize2(len(ix.words)))
	for i := range ix.slots {
		ix.slots[i].id = -1
	}
	mask := uint32(len(ix.slots) - 1)
	prefixes := 0
	for id, w := range ix.words {
		i := w.hash & mask
		for ix.slots[i].id >= 0 {
			i = (i + 1) & mask
		}
		ix.slots[i] = islot{hash: w.hash, id: int32(id)}
		if w.prefix {
			prefixes++
		}
	}
	ix.edges = make([]iedge, tableSize2(len(b.edges)))
	emask := uint64(len(ix.edges) - 1)
	for key, c := range b.edges {
		i := edgeHash(key) & emask
		for ix.edges[i].key != 0 {
			i = (i + 1) & emask
		}
		ix.edges[i] = iedge{key: key, child: c}
	}
	ix.prefixBits, ix.startBits = newBitSet(prefixes), newBitSet(prefixes)
	ix.wordBits = newBitSet(len(ix.words) - prefixes)
	for _, w := range ix.words {
		if !w.prefix {
			ix.wordBits.add(w.hash)
			continue
		}
		ix.prefixLens[min(w.n, maxPrefixLen)] = true
		ix.prefixBits.add(w.hash)
		if w.n >= startLen {
			h := uint32(fnvBasis)
			for _, c := range ix.text[w.off : w.off+startLen] {
				h = fnvStep(h, c)
			}
			ix.startBits.add(h)
		}
	}
	b.ids, b.edges = nil, nil
	return ix
}

// tableSize2 returns a power of two of at least twice n slots.
func tableSize2(n int) int {
	s := 16
	for s < 2*n {
		s <<= 1
	}
	return s
}

func edgeHash(key uint64) uint64 {
	key *= 0x9E3779B97F4A7C15
	return key ^ key>>29
}

// mix spreads FNV's low bits, which the bit sets and the table index by.
func mix(h uint32) uint32 {
	h ^= h >> 15
	h *= 0x2C1B3C6D
	return h ^ h>>12
}

// lookup returns the id of the word (prefix or not) with hash h and bytes
// tok, or -1.
func (ix *wordIndex) lookup(tok []byte, h uint32, prefix bool) int32 {
	mask := uint32(len(ix.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := ix.slots[i]
		if sl.id < 0 {
			return -1
		}
		if sl.hash != h {
			continue
		}
		w := &ix.words[sl.id]
		if w.prefix == prefix && string(ix.text[w.off:w.off+w.n]) == string(tok) {
			return sl.id
		}
	}
}

// appendIDs appends to dst the ids of the words token tok is: itself as
// a whole word, and every prefix word it begins with. It returns the
// token's hash too (fnvHash of tok), which the transliteration cache
// indexes by.
func (ix *wordIndex) appendIDs(dst []int32, tok []byte) ([]int32, uint32) {
	h := uint32(fnvBasis)
	i, n := 0, len(tok)
	for ; i < n && i < startLen; i++ {
		h = fnvStep(h, tok[i])
		if ix.prefixLens[i+1] && ix.prefixBits.has(h) {
			dst = ix.appendPrefix(dst, tok[:i+1], h)
		}
	}
	if i == startLen && ix.startBits.has(h) {
		for ; i < n; i++ {
			h = fnvStep(h, tok[i])
			if ix.prefixLens[min(i+1, maxPrefixLen)] && ix.prefixBits.has(h) {
				dst = ix.appendPrefix(dst, tok[:i+1], h)
			}
		}
	}
	for ; i < n; i++ { // no prefix word starts so
		h = fnvStep(h, tok[i])
	}
	if ix.wordBits.has(h) {
		if id := ix.lookup(tok, h, false); id >= 0 {
			dst = append(dst, id)
		}
	}
	return dst, h
}

func (ix *wordIndex) appendPrefix(dst []int32, prefix []byte, h uint32) []int32 {
	if id := ix.lookup(prefix, h, true); id >= 0 {
		dst = append(dst, id)
	}
	return dst
}

// child returns node's child through word id, or -1.
func (ix *wordIndex) child(node, id int32) int32 {
	if node == 0 {
		return ix.words[id].root
	}
	key := uint64(node)<<32 | uint64(id)
	mask := uint64(len(ix.edges) - 1)
	for i := edgeHash(key) & mask; ; i = (i + 1) & mask {
		e := &ix.edges[i]
		switch e.key {
		case key:
			return e.child
		case 0:
			return -1
		}
	}
}
