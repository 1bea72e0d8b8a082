package feed

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// toUTF8 decodes a feed document to UTF-8 and rewrites its XML declaration
// to say so, so that gofeed's XML decoder never transcodes a second time.
//
// The order follows what real feeds get wrong: a byte-order mark or the
// zero-byte pattern of UTF-16/32 wins; then bytes that are valid UTF-8 are
// UTF-8 whatever the label says (servers and prologs that claim
// windows-1252 for UTF-8 text are common, the reverse is vanishingly rare);
// then the charset of the HTTP Content-Type, then the XML declaration; with
// no usable label, Cyrillic single-byte text is told from western text by
// its letter runs. Invalid sequences left over become U+FFFD.
func toUTF8(data []byte, contentType string) []byte {
	if enc, n := sniffUnicode(data); enc != nil {
		out, err := enc.NewDecoder().Bytes(data[n:])
		if err != nil {
			out = data[n:]
		}
		return fixDeclaration(bytes.ToValidUTF8(out, []byte("\uFFFD")))
	}
	if utf8.Valid(data) {
		return fixDeclaration(data)
	}
	label := httpCharset(contentType)
	if label == "" {
		label = declaredEncoding(data)
	}
	enc := lookupEncoding(label)
	if enc == nil {
		enc = guessSingleByte(data)
	}
	if enc != encoding.Nop {
		if out, err := enc.NewDecoder().Bytes(data); err == nil {
			data = out
		}
	}
	return fixDeclaration(bytes.ToValidUTF8(data, []byte("\uFFFD")))
}

// sniffUnicode recognises a byte-order mark, or the zero bytes that "<"
// leaves in UTF-16 and UTF-32 without one, and returns the encoding and the
// length of the mark.
func sniffUnicode(b []byte) (encoding.Encoding, int) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return encoding.Nop, 3
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0, 0}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), 4
	case bytes.HasPrefix(b, []byte{0, 0, 0xFE, 0xFF}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), 4
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), 2
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), 2
	}
	if len(b) < 4 {
		return nil, 0
	}
	ascii := func(c byte) bool { return c != 0 && c < 0x80 }
	switch {
	case b[0] == 0 && b[1] == 0 && b[2] == 0 && ascii(b[3]):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), 0
	case ascii(b[0]) && b[1] == 0 && b[2] == 0 && b[3] == 0:
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), 0
	case b[0] == 0 && ascii(b[1]) && b[2] == 0 && ascii(b[3]):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), 0
	case ascii(b[0]) && b[1] == 0 && ascii(b[2]) && b[3] == 0:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), 0
	}
	return nil, 0
}

func httpCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(params["charset"])
}

// xmlDecl finds the XML declaration near the start; a comment before it is
// invalid XML but occurs in the wild.
var xmlDecl = regexp.MustCompile(`<\?xml[^>]*?\?>`)

var encodingAttr = regexp.MustCompile(`(?i)encoding\s*=\s*(?:"([^"]*)"|'([^']*)')`)

func head(data []byte) []byte {
	if len(data) > 1024 {
		return data[:1024]
	}
	return data
}

func declaredEncoding(data []byte) string {
	decl := xmlDecl.Find(head(data))
	if decl == nil {
		return ""
	}
	m := encodingAttr.FindSubmatch(decl)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(string(m[1]) + string(m[2]))
}

// fixDeclaration rewrites the encoding of the XML declaration to UTF-8.
func fixDeclaration(data []byte) []byte {
	h := head(data)
	loc := xmlDecl.FindIndex(h)
	if loc == nil {
		return data
	}
	decl := h[loc[0]:loc[1]]
	m := encodingAttr.FindSubmatch(decl)
	if m == nil || strings.EqualFold(string(m[1])+string(m[2]), "utf-8") {
		// Nothing to rewrite: no copy of the document.
		return data
	}
	fixed := encodingAttr.ReplaceAll(decl, []byte(`encoding="UTF-8"`))
	out := make([]byte, 0, len(data)+len(fixed)-len(decl))
	out = append(out, data[:loc[0]]...)
	out = append(out, fixed...)
	return append(out, data[loc[1]:]...)
}

// lookupEncoding maps a charset label to an encoding: nil when the label is
// missing or unknown, encoding.Nop for UTF-8 (whose invalid bytes are then
// replaced rather than reinterpreted).
func lookupEncoding(label string) encoding.Encoding {
	if label == "" {
		return nil
	}
	enc, name := charset.Lookup(label)
	if enc == nil {
		return nil
	}
	if name == "utf-8" {
		return encoding.Nop
	}
	if strings.HasPrefix(name, "utf-16") {
		// A UTF-16 label on bytes without zero bytes is wrong; guess.
		return nil
	}
	return enc
}

// guessSingleByte picks a single-byte encoding for text without a usable
// label. Cyrillic text is mostly runs of high bytes (whole words), with
// lower-case letters in 0xC0–0xDF in KOI8-R and in 0xE0–0xFF in
// windows-1251; western text has isolated accented letters.
func guessSingleByte(data []byte) encoding.Encoding {
	var high, inRuns, koi, cp1251 int
	run := 0
	flush := func() {
		if run >= 3 {
			inRuns += run
		}
		run = 0
	}
	for _, c := range data {
		if c < 0x80 {
			flush()
			continue
		}
		high++
		run++
		switch {
		case c >= 0xC0 && c <= 0xDF:
			koi++
		case c >= 0xE0:
			cp1251++
		}
	}
	flush()
	if high == 0 || inRuns*2 < high {
		return charmap.Windows1252
	}
	if koi > cp1251 {
		return charmap.KOI8R
	}
	return charmap.Windows1251
}
