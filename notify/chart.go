package notify

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
)

// Chart geometry, in pixels. Email clients scale the image down to the
// phone's width; 280×60 stays legible there.
const (
	ChartWidth  = 280
	ChartHeight = 60
	chartPad    = 2
)

var (
	chartBackground = color.RGBA{0xff, 0xff, 0xff, 0xff}
	chartAxis       = color.RGBA{0xcc, 0xcc, 0xcc, 0xff}
	chartBar        = color.RGBA{0x0b, 0x57, 0xd0, 0xff}
	chartToday      = color.RGBA{0xe8, 0x71, 0x0a, 0xff}
)

// ChartBar is the bar of one day in a chart of ChartWidth × ChartHeight,
// in pixels from the top left corner.
type ChartBar struct {
	X, Y, W, H int
	// Count is the day's number; Today marks the last bar.
	Count int
	Today bool
}

// ChartBaseline is the row of a chart's baseline.
const ChartBaseline = ChartHeight - chartPad

// ChartBars lays out counts (oldest first, the last bar being today) as
// bars: one slot per day, heights scaled to the largest count, at least 2
// pixels for a day with stories and 0 for a day without. The PNG of the
// email and the pages' SVG both draw these.
func ChartBars(counts []int) []ChartBar {
	peak := 0
	for _, n := range counts {
		peak = max(peak, n)
	}
	if len(counts) == 0 {
		return nil
	}
	slot := ChartWidth / len(counts)
	gap := max(1, slot/5)
	usable := ChartBaseline - chartPad
	bars := make([]ChartBar, len(counts))
	for i, n := range counts {
		b := ChartBar{X: i*slot + gap/2, W: slot - gap, Count: n, Today: i == len(counts)-1}
		if n > 0 && peak > 0 {
			b.H = max(2, n*usable/peak)
		}
		b.Y = ChartBaseline - b.H
		bars[i] = b
	}
	return bars
}

// ChartAlt describes a chart of counts in words, for readers who cannot
// see it.
func ChartAlt(counts []int) string {
	total, peak := 0, 0
	for _, n := range counts {
		total += n
		peak = max(peak, n)
	}
	today := 0
	if len(counts) > 0 {
		today = counts[len(counts)-1]
	}
	return fmt.Sprintf("New stories per day over %d days: %d in all, at most %d a day, %d today",
		len(counts), total, peak, today)
}

// Chart draws counts (oldest first, the last bar being today) as a PNG bar
// chart. Bars scale to the largest count; a day without stories shows only
// the baseline, and today's bar has its own colour.
func Chart(counts []int) ([]byte, error) {
	img := image.NewPaletted(image.Rect(0, 0, ChartWidth, ChartHeight),
		color.Palette{chartBackground, chartAxis, chartBar, chartToday})
	// Index 0 (background) is the zero value: the image starts blank.
	for x := 0; x < ChartWidth; x++ {
		img.SetColorIndex(x, ChartBaseline, 1)
	}
	for _, b := range ChartBars(counts) {
		var c uint8 = 2
		if b.Today {
			c = 3
		}
		for x := b.X; x < b.X+b.W; x++ {
			for y := b.Y; y < b.Y+b.H; y++ {
				img.SetColorIndex(x, y, c)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
