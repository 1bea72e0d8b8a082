package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a duration as the config writes it: Go durations
// plus a d (24 h) unit: 90s, 10m, 1h30m, 30d, 1d12h, 1.5d. Commands and
// the HTTP API read their "since" durations with it too.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	neg := false
	rest := s
	if rest[0] == '-' || rest[0] == '+' {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	if rest == "0" {
		return 0, nil
	}
	var total float64
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		num := rest[:i]
		j := i
		for j < len(rest) && !(rest[j] >= '0' && rest[j] <= '9' || rest[j] == '.') {
			j++
		}
		unit := rest[i:j]
		rest = rest[j:]
		if num == "" || unit == "" {
			return 0, badDuration(s)
		}
		if unit == "d" {
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, badDuration(s)
			}
			total += f * float64(24*time.Hour)
			continue
		}
		d, err := time.ParseDuration(num + unit)
		if err != nil {
			return 0, badDuration(s)
		}
		total += float64(d)
	}
	if total > math.MaxInt64 {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	d := time.Duration(total)
	if neg {
		d = -d
	}
	return d, nil
}

func badDuration(s string) error {
	return fmt.Errorf("invalid duration %q: write a number and a unit, like 90s, 10m, 1h30m or 30d", s)
}

var sizeUnits = []struct {
	suffix string
	scale  int64
}{
	{"KiB", 1 << 10},
	{"MiB", 1 << 20},
	{"GiB", 1 << 30},
	{"B", 1},
}

// parseSize accepts a number of bytes, optionally with a KiB, MiB, GiB or B
// suffix: 8MiB, 512 KiB, 1048576.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	num, scale := s, int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			num, scale = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.scale
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		if f, ferr := strconv.ParseFloat(num, 64); ferr == nil && f >= 0 && scale > 1 {
			if f*float64(scale) > math.MaxInt64 {
				return 0, fmt.Errorf("size %q is too large", s)
			}
			return int64(f * float64(scale)), nil
		}
		return 0, fmt.Errorf("invalid size %q: write bytes or a number with KiB, MiB or GiB, like 8MiB", s)
	}
	if n > math.MaxInt64/scale {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * scale, nil
}
