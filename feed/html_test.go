package feed

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPlainText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain text keeps its words", "Witkoff met Ushakov", "Witkoff met Ushakov"},
		{"white space collapses", "  Witkoff \n\t met   Ushakov  ", "Witkoff met Ushakov"},
		{"tags are removed", "<p>Witkoff <b>met</b> <a href='x'>Ushakov</a></p>", "Witkoff met Ushakov"},
		{"inline tags do not split words", "Wit<b>koff</b>", "Witkoff"},
		{"block elements break lines", "<p>One</p><p>Two</p><div>Three<br>Four</div>", "One\nTwo\nThree\nFour"},
		{"list items break lines", "<ul><li>a</li><li>b</li></ul>", "a\nb"},
		{"named entities are decoded", "AT&amp;T &hellip; &euro;5 &lt;b&gt;", "AT&T … €5 <b>"},
		{"numeric entities are decoded", "don&#8217;t &#x41;", "don’t A"},
		{"script and style are dropped", "a<script>var witkoff = 1;</script>b<style>p{}</style>c", "abc"},
		{"self-closed svg drops nothing after it", "a<svg/> b", "a b"},
		{"comments are dropped", "a<!-- Ushakov -->b", "ab"},
		{"non-breaking spaces collapse", "a&nbsp;&nbsp;b", "a b"},
		{"C1 controls are windows-1252 punctuation", "don\u0092t", "don’t"},
		{"control characters separate words", "a\x00\x01b", "a b"},
		{"Cyrillic passes through", "<p>Юрий&nbsp;Ушаков</p>", "Юрий Ушаков"},
		{"a lone less-than sign is text", "3 < 4 & 5", "3 < 4 & 5"},
		{"empty stays empty", "", ""},
		{"only markup gives nothing", "<p><br/></p>", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// plainTextPieces are the fragments TestPlainTextMatchesReference builds
// text from: markup the tokenizer treats specially, entities, every kind
// of rune the text builder treats apart, and words.
var plainTextPieces = []string{
	"Witkoff", "Ушаков", "שלום", "é", "😀", " ", "  ", "\t", "\n", "\r\n", "\x00", "\x1b", "\x7f",
	"\u0085", "\u0092", "\u0081", "\u00a0", "\u1680", "\u2003", "\u2028", "\u200b", "\ufeff", "\u202e",
	"\u2066", "\ufffd", "\xff", "\xed\xa0\x80", "\xe2\x82", "\xc0\xaf", "<", ">", "&", "&amp;", "&nbsp;",
	"&#x92;", "&#8217;", "&hellip", "&#0;", "<p>", "</p>", "<br/>", "<b>", "</b>", "<a href='x'>",
	"<script>", "</script>", "<style>", "</style>", "<svg/>", "<svg>", "</svg>", "<!-- c -->", "<!--",
	"<title>", "</title>", "<textarea>", "<plaintext>", "<![CDATA[x]]>", "<?php ?>", "</>", "<3",
	"<img src=x onerror=alert(1)>", "<div\n>", "</div>", "<li>", "<HEAD>", "</head>",
	"<P CLASS=\"a\">", "<a href = 'x>y' title=t>", "<a b=c/>", "<a b/>", "<br / >", "<br/ >", "<a b='x'c>",
	"<o:p>", "</o:p>", "<my_tag>", "<Figure>", "</FIGCAPTION>", "<a\tb\n=\fc>", "<a b=\"", "</p x>", "</ p>",
	"</>", "</", "<", "<a", "<1", "&ampx;", "&copy2024", "&notit;", "&T", "&lt", "&gt;x", "&amp", "&ab;",
	"&#x80;", "&#128", "&#xD800;", "&#1114112;", "&#99999999999;", "&#", "&#x", "&#x;", "&#65a", "&hellip;",
	"&rsquo;", "&NotANamedOne;", "&AMP;", "&nbsp", "&zwnj;", "&#8203;", "&#x202e;", "&#13;", "&#x85;",
	"<!-->", "<!--->", "<!---->", "<!-- a -- b -->", "<!-- a --!> b", "<!-- a --!- b -->", "<!--!>",
	"<!-", "<!->", "<!>", "<!DOCTYPE html>", "<!doctype", "<?xml x?>", "</1 x>", "--", "-->", "--!>",
	"<template>", "</template>", "<math/>", "<object>", "<noscript>", "<xmp>", "<IFRAME src=x>", "<Script/>",
}

func TestPlainTextMatchesReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 13))
	for i := range 20000 {
		var sb strings.Builder
		for range 1 + r.IntN(12) {
			sb.WriteString(plainTextPieces[r.IntN(len(plainTextPieces))])
		}
		s := sb.String()
		if i%2 == 0 {
			s = strings.NewReplacer("<", "", ">", "", "&", "").Replace(s) // the path without markup
		}
		limit := []int{0, 1, 2, 3, 4, 5, 7, 10, 16, 40}[r.IntN(10)]
		if got, want := plainText(s, limit), referencePlainText(s, limit); got != want {
			t.Fatalf("plainText(%q, %d) = %q, reference %q", s, limit, got, want)
		}
		if got, want := collapse(s, limit), referenceCollapse(s, limit); got != want {
			t.Fatalf("collapse(%q, %d) = %q, reference %q", s, limit, got, want)
		}
	}
}

func FuzzPlainText(f *testing.F) {
	for _, p := range plainTextPieces {
		f.Add(p+" a "+p, uint16(0))
		f.Add("x"+p+"y", uint16(2))
	}
	f.Fuzz(func(t *testing.T, s string, limit uint16) {
		if got, want := plainText(s, int(limit)), referencePlainText(s, int(limit)); got != want {
			t.Fatalf("plainText(%q, %d) = %q, reference %q", s, limit, got, want)
		}
		if got, want := collapse(s, int(limit)), referenceCollapse(s, int(limit)); got != want {
			t.Fatalf("collapse(%q, %d) = %q, reference %q", s, limit, got, want)
		}
	})
}

func TestDecodeRuneIsUTF8DecodeRune(t *testing.T) {
	t.Parallel()
	var p [3]byte
	for c0 := range 256 {
		for c1 := range 256 {
			for _, c2 := range []byte{0, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xff} {
				p = [3]byte{byte(c0), byte(c1), c2}
				for n := 1; n <= 3; n++ {
					r, size := decodeRune(p[:n])
					wr, wsize := utf8.DecodeRune(p[:n])
					if r != wr || size != wsize {
						t.Fatalf("decodeRune(% x) = %U, %d; utf8.DecodeRune %U, %d", p[:n], r, size, wr, wsize)
					}
					if r, size = decodeRune(string(p[:n])); r != wr || size != wsize {
						t.Fatalf("decodeRune(%q) = %U, %d; utf8.DecodeRune %U, %d", p[:n], r, size, wr, wsize)
					}
				}
			}
		}
	}
}

func TestMarkupTextReadsCommonMarkup(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		`<p>Witkoff <b>met</b> <a href="https://x.example/a?b=1&amp;c=2" target=_blank>Ushakov</a></p>`,
		`<div class='lead'><img src="x.jpg" alt="" /><br/>AT&T &amp; Co. &#8217; &#x41;&nbsp;&hellip;</div>`,
		`<P ALIGN=center>Юрий<o:p></o:p> Ушаков</P><ul><li>a</li></ul><svg viewBox="0 0 1 1"><path d="M0"/></svg>`,
		`3 < 4 & 5 &copy 2026<!-- more --><!--
multi-line -- comment --!><?php echo 1 ?><!DOCTYPE html>`,
	} {
		text, ok := markupText(s, 0)
		if !ok {
			t.Errorf("markupText(%q) leaves it to the tokenizer", s)
		}
		if want := referencePlainText(s, 0); text != want {
			t.Errorf("markupText(%q) = %q, want %q", s, text, want)
		}
	}
}
