package notify

import (
	"testing"
)

func TestSplitMark(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		snippet string
		mark    [2]int
		want    markParts
	}{
		{"mark in the middle", "a Witkoff b", [2]int{2, 9}, markParts{"a ", "Witkoff", " b"}},
		{"mark out of range is ignored", "abc", [2]int{1, 9}, markParts{Before: "abc"}},
		{"empty mark is ignored", "abc", [2]int{1, 1}, markParts{Before: "abc"}},
		{"mark inside a character is ignored", "Ушаков", [2]int{1, 4}, markParts{Before: "Ушаков"}},
		{"mark on Cyrillic boundaries", "о Ушакове", [2]int{3, 15}, markParts{"о ", "Ушаков", "е"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitMark(tt.snippet, tt.mark); got != tt.want {
				t.Errorf("splitMark = %+v, want %+v", got, tt.want)
			}
		})
	}
}
