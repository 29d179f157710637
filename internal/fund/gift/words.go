package gift

import "strings"

// Amounts in words, as a receipt writes them beside the figures. Both
// functions take a non-negative whole number below 10^15.

var enOnes = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
	"thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
var enTens = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}

// WordsEN writes n in English words: 1234 → "one thousand two hundred thirty-four".
func WordsEN(n int64) string {
	if n == 0 {
		return "zero"
	}
	scales := []struct {
		v    int64
		name string
	}{{1e12, "trillion"}, {1e9, "billion"}, {1e6, "million"}, {1e3, "thousand"}}
	var parts []string
	for _, s := range scales {
		if n >= s.v {
			parts = append(parts, enBelow1000(n/s.v)+" "+s.name)
			n %= s.v
		}
	}
	if n > 0 {
		parts = append(parts, enBelow1000(n))
	}
	return strings.Join(parts, " ")
}

func enBelow1000(n int64) string {
	var parts []string
	if n >= 100 {
		parts = append(parts, enOnes[n/100]+" hundred")
		n %= 100
	}
	switch {
	case n >= 20:
		t := enTens[n/10]
		if n%10 != 0 {
			t += "-" + enOnes[n%10]
		}
		parts = append(parts, t)
	case n > 0:
		parts = append(parts, enOnes[n])
	}
	return strings.Join(parts, " ")
}

var arOnes = []string{"صفر", "واحد", "اثنان", "ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة", "عشرة",
	"أحد عشر", "اثنا عشر", "ثلاثة عشر", "أربعة عشر", "خمسة عشر", "ستة عشر", "سبعة عشر", "ثمانية عشر", "تسعة عشر"}
var arTens = []string{"", "", "عشرون", "ثلاثون", "أربعون", "خمسون", "ستون", "سبعون", "ثمانون", "تسعون"}
var arHundreds = []string{"", "مئة", "مئتان", "ثلاثمئة", "أربعمئة", "خمسمئة", "ستمئة", "سبعمئة", "ثمانمئة", "تسعمئة"}

// WordsAR writes n in Arabic words, the way amounts are written on
// receipts: 1234 → "ألف ومئتان وأربعة وثلاثون".
func WordsAR(n int64) string {
	if n == 0 {
		return arOnes[0]
	}
	scales := []struct {
		v                   int64
		one, two, few, many string
	}{
		{1e12, "ترليون", "ترليونان", "ترليونات", "ترليونًا"},
		{1e9, "مليار", "ملياران", "مليارات", "مليارًا"},
		{1e6, "مليون", "مليونان", "ملايين", "مليونًا"},
		{1e3, "ألف", "ألفان", "آلاف", "ألفًا"},
	}
	var parts []string
	for _, s := range scales {
		if n < s.v {
			continue
		}
		k := n / s.v
		n %= s.v
		switch {
		case k == 1:
			parts = append(parts, s.one)
		case k == 2:
			parts = append(parts, s.two)
		case k <= 10:
			parts = append(parts, arBelow1000(k)+" "+s.few)
		case k%100 == 0 || k%100 > 10:
			parts = append(parts, arBelow1000(k)+" "+s.many)
		default:
			parts = append(parts, arBelow1000(k)+" "+s.one)
		}
	}
	if n > 0 {
		parts = append(parts, arBelow1000(n))
	}
	return strings.Join(parts, " و")
}

func arBelow1000(n int64) string {
	var parts []string
	if n >= 100 {
		parts = append(parts, arHundreds[n/100])
		n %= 100
	}
	switch {
	case n >= 20:
		if n%10 != 0 {
			parts = append(parts, arOnes[n%10]+" و"+arTens[n/10])
		} else {
			parts = append(parts, arTens[n/10])
		}
	case n > 0:
		parts = append(parts, arOnes[n])
	}
	return strings.Join(parts, " و")
}
