package daemon

import (
	"reflect"
	"testing"

	"github.com/storywatch/storywatch/config"
)

func TestSearchNamesAreTheAliasesAndARegionsNames(t *testing.T) {
	t.Parallel()
	actors := []config.Actor{
		{ID: "ushakov", Aliases: []string{"Ushakov", "Ушаков*"}},
		{ID: "ukraine", Region: "UA"},
		{ID: "italy", Region: "IT", Aliases: []string{"Italy"}},
	}
	tests := []struct {
		hl   string
		want map[string][]string
	}{
		{"uk", map[string][]string{"ushakov": {"Ushakov", "Ушаков*"}, "ukraine": {"Ukraine", "Україна"}, "italy": {"Italy", "Італія"}}},
		{"", map[string][]string{"ushakov": {"Ushakov", "Ушаков*"}, "ukraine": {"Ukraine"}, "italy": {"Italy"}}},
		{"de-DE", map[string][]string{"ushakov": {"Ushakov", "Ушаков*"}, "ukraine": {"Ukraine"}, "italy": {"Italy", "Italien"}}},
	}
	for _, tt := range tests {
		if got := searchNames(actors, tt.hl); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("hl %q: names = %q, want %q", tt.hl, got, tt.want)
		}
	}
}
