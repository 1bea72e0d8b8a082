package feed

import "testing"

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
