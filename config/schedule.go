package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// parseSchedule parses a cron spec: five fields, a descriptor (@hourly,
// @daily, @weekly, @monthly, @yearly), or @every DURATION (days allowed),
// with an optional TZ=Area/City or CRON_TZ=Area/City prefix. Without a
// prefix the spec runs in loc.
func parseSchedule(spec string, loc *time.Location) (sched Schedule, err error) {
	sched.Spec = spec
	rest := strings.TrimSpace(spec)
	if rest == "" {
		return sched, errors.New("empty cron spec")
	}
	if strings.HasPrefix(rest, "TZ=") || strings.HasPrefix(rest, "CRON_TZ=") {
		prefix, after, _ := strings.Cut(rest, " ")
		_, name, _ := strings.Cut(prefix, "=")
		if name == "" {
			return sched, fmt.Errorf("invalid cron spec %q: TZ= needs a time zone such as TZ=Europe/Kyiv", spec)
		}
		l, err := loadLocation(name)
		if err != nil {
			return sched, fmt.Errorf("invalid cron spec %q: %w", spec, err)
		}
		loc, rest = l, strings.TrimSpace(after)
		if rest == "" {
			return sched, fmt.Errorf("invalid cron spec %q: nothing after the time zone", spec)
		}
	}
	sched.Location = loc
	if every, ok := strings.CutPrefix(rest, "@every "); ok {
		d, err := ParseDuration(every)
		if err != nil {
			return sched, fmt.Errorf("invalid cron spec %q: %w", spec, err)
		}
		if d < time.Second {
			return sched, fmt.Errorf("invalid cron spec %q: @every needs at least 1s", spec)
		}
		sched.Schedule = cron.Every(d)
		return sched, nil
	}
	if !strings.HasPrefix(rest, "@") {
		if n := len(strings.Fields(rest)); n != 5 {
			return sched, fmt.Errorf("invalid cron spec %q: want 5 fields (minute hour day-of-month month day-of-week), got %d", spec, n)
		}
	}
	// The cron parser panics on some malformed input; a config file must
	// never crash the daemon.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid cron spec %q", spec)
		}
	}()
	s, err := cronParser.Parse(rest)
	if err != nil {
		return sched, fmt.Errorf("invalid cron spec %q: %s", spec, fieldError(rest, err))
	}
	if ss, ok := s.(*cron.SpecSchedule); ok {
		ss.Location = loc
	}
	sched.Schedule = s
	return sched, nil
}

// loadLocation loads an IANA time zone, with an error that says what was
// expected.
func loadLocation(name string) (*time.Location, error) {
	if name == "" {
		return nil, errors.New("empty time zone")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: use an IANA name such as UTC or Europe/Kyiv", name)
	}
	return loc, nil
}

// cronFields names the five fields of a cron spec, in order.
var cronFields = [5]string{"minute", "hour", "day-of-month", "month", "day-of-week"}

// fieldError names the field of a five-field spec that the cron parser
// refused, which its own messages do not ("end of range (25) above
// maximum (23): 25"): each field is parsed alone, the others being "*".
func fieldError(spec string, err error) string {
	fields := strings.Fields(spec)
	if len(fields) != len(cronFields) {
		return err.Error()
	}
	for i, f := range fields {
		probe := []string{"*", "*", "*", "*", "*"}
		probe[i] = f
		if _, ferr := cronParser.Parse(strings.Join(probe, " ")); ferr != nil {
			// The parser's message ends with the field's text; say it
			// once, at the start, with the field's name.
			msg := strings.TrimSuffix(ferr.Error(), ": "+f)
			return fmt.Sprintf("%s field %q: %s", cronFields[i], f, msg)
		}
	}
	return err.Error()
}
