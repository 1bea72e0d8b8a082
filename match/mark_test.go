package match

import "testing"

func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		m                 Match
		before, mk, after string
	}{
		{"mark in the middle", Match{Snippet: "a Witkoff b", Mark: [2]int{2, 9}}, "a ", "Witkoff", " b"},
		{"mark at the end", Match{Snippet: "a Witkoff", Mark: [2]int{2, 9}}, "a ", "Witkoff", ""},
		{"mark out of range is ignored", Match{Snippet: "abc", Mark: [2]int{1, 9}}, "abc", "", ""},
		{"negative mark is ignored", Match{Snippet: "abc", Mark: [2]int{-1, 2}}, "abc", "", ""},
		{"mark inside a character is ignored", Match{Snippet: "Ушаков", Mark: [2]int{1, 4}}, "Ушаков", "", ""},
		{"no mark", Match{Snippet: "abc"}, "abc", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, mk, a := tt.m.Split()
			if b != tt.before || mk != tt.mk || a != tt.after {
				t.Errorf("Split = %q %q %q, want %q %q %q", b, mk, a, tt.before, tt.mk, tt.after)
			}
		})
	}
}
