package notify

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// Chart geometry, in pixels. Email clients scale the image down to the
// phone's width; 280×60 stays legible there.
const (
	chartWidth  = 280
	chartHeight = 60
	chartPad    = 2
)

var (
	chartBackground = color.RGBA{0xff, 0xff, 0xff, 0xff}
	chartAxis       = color.RGBA{0xcc, 0xcc, 0xcc, 0xff}
	chartBar        = color.RGBA{0x0b, 0x57, 0xd0, 0xff}
	chartToday      = color.RGBA{0xe8, 0x71, 0x0a, 0xff}
)

// Chart draws counts (oldest first, the last bar being today) as a PNG bar
// chart. Bars scale to the largest count; a day without stories shows only
// the baseline, and today's bar has its own colour.
func Chart(counts []int) ([]byte, error) {
	img := image.NewPaletted(image.Rect(0, 0, chartWidth, chartHeight),
		color.Palette{chartBackground, chartAxis, chartBar, chartToday})
	// Index 0 (background) is the zero value: the image starts blank.
	baseline := chartHeight - chartPad
	for x := 0; x < chartWidth; x++ {
		img.SetColorIndex(x, baseline, 1)
	}
	peak := 0
	for _, n := range counts {
		peak = max(peak, n)
	}
	if len(counts) > 0 && peak > 0 {
		slot := chartWidth / len(counts)
		gap := max(1, slot/5)
		usable := baseline - chartPad
		for i, n := range counts {
			if n <= 0 {
				continue
			}
			h := max(2, n*usable/peak)
			var c uint8 = 2
			if i == len(counts)-1 {
				c = 3
			}
			x0 := i*slot + gap/2
			for x := x0; x < x0+slot-gap; x++ {
				for y := baseline - h; y < baseline; y++ {
					img.SetColorIndex(x, y, c)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
