package web

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// series is one set of bars of a chart; Class colours it (style.css).
type series struct {
	Name   text
	Class  string
	Values []float64
}

// chart is a bar chart the server draws as SVG: one group of bars per label.
type chart struct {
	ID     string
	Title  text
	Unit   text
	Labels []string
	Series []series
	SVG    template.HTML
}

// niceMax rounds a chart's largest value up to 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// draw renders the chart's bars, axis and labels as an inline SVG.
func (c *chart) draw() {
	const w, h, left, bottom, top = 720.0, 260.0, 48.0, 28.0, 10.0
	var top0 float64
	for _, s := range c.Series {
		for _, v := range s.Values {
			top0 = max(top0, v)
		}
	}
	ymax := niceMax(top0)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="%s-svg" viewBox="0 0 %g %g" role="img" aria-label="%s / %s" xmlns="http://www.w3.org/2000/svg">`,
		c.ID, w, h, template.HTMLEscapeString(c.Title.ZH), template.HTMLEscapeString(c.Title.EN))
	plotH := h - bottom - top
	for i := 0; i <= 4; i++ {
		y := top + plotH*float64(4-i)/4
		fmt.Fprintf(&b, `<line class="grid" x1="%g" y1="%.1f" x2="%g" y2="%.1f"/>`, left, y, w, y)
		fmt.Fprintf(&b, `<text class="axis" x="%g" y="%.1f" text-anchor="end">%s</text>`, left-6, y+4, trimFloat(ymax*float64(i)/4))
	}
	n := len(c.Labels)
	if n > 0 {
		gw := (w - left) / float64(n)
		bw := gw * 0.8 / float64(max(len(c.Series), 1))
		every := max(1, int(math.Ceil(float64(n)/24)))
		for i, l := range c.Labels {
			x0 := left + gw*float64(i) + gw*0.1
			for j, s := range c.Series {
				if i >= len(s.Values) {
					continue
				}
				v := s.Values[i]
				bh := plotH * v / ymax
				fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s %s: %s</title></rect>`,
					s.Class, x0+bw*float64(j), top+plotH-bh, max(bw-1, 0.5), bh,
					template.HTMLEscapeString(l), template.HTMLEscapeString(s.Name.ZH+" "+s.Name.EN), trimFloat(v))
			}
			if i%every == 0 {
				fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%g" text-anchor="middle">%s</text>`, x0+gw*0.4, h-bottom+16, template.HTMLEscapeString(l))
			}
		}
	}
	b.WriteString(`</svg>`)
	c.SVG = template.HTML(b.String())
}

// trimFloat formats an axis or bar value with at most three significant
// digits and no trailing zeros.
func trimFloat(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
