package notify

import (
	"fmt"
	"io"
)

// WriteOutcome writes a recorded digest's line (its name, id and count of
// new stories) and the outcome of each of its deliveries among all, and
// returns how many of them are not sent.
func WriteOutcome(w io.Writer, dg *Digest, all []Delivery) (notSent int, err error) {
	r, err := Render(dg)
	if err != nil {
		return 0, err
	}
	noun := "stories"
	if r.Stories == 1 {
		noun = "story"
	}
	fmt.Fprintf(w, "digest %s (%s): %d new %s\n", dg.Name, dg.ID, r.Stories, noun)
	for _, dl := range all {
		if dl.DigestID != dg.ID {
			continue
		}
		line := fmt.Sprintf("  delivery %d to %s: %s", dl.ID, dl.Notifier, dl.Status)
		if dl.Status != StatusSent {
			notSent++
			line += ": " + dl.LastError
			if dl.Status == StatusPending {
				line += fmt.Sprintf(" (next attempt %s)", dl.NextAttempt.Format("2006-01-02 15:04:05Z07:00"))
			}
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return notSent, err
		}
	}
	return notSent, nil
}

// WritePreview writes the text rendering of a digest that is not recorded,
// with a note when it is empty and sendEmpty is off, so that sending it
// would send nothing.
func WritePreview(w io.Writer, dg *Digest, sendEmpty bool) error {
	r, err := Render(dg)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, r.Text); err != nil {
		return err
	}
	if dg.Empty() && !sendEmpty {
		_, err = fmt.Fprintf(w, "\n(nothing new: -send would not send this digest)\n")
	}
	return err
}
