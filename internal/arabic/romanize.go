package arabic

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Romanize writes a name in Arabic script in readable Latin letters, for
// systems that take only Latin text (a bank's payment channel, SWIFT). It
// is not Translit, a matching key: it keeps vowels a reader needs and
// capitalizes words. The most common given and family name parts are
// spelled as Arab passports usually spell them (محمد Mohammad, عبد الله
// Abdullah, فاطمة Fatima); other words letter by letter — long vowels as
// a, ou, ee/i, ة as a, the article ال as Al-, ع and ء left out where no
// letter stands for them — with a short a between consonants that would
// otherwise meet at the start of a word. Arabic script does not write
// short vowels, so such spellings are approximate: where a bank holds a
// name in Latin letters, that spelling is kept on the instrument instead.
// Latin letters, digits and spaces pass through; other characters are
// dropped. The result contains only ASCII.
func Romanize(s string) string {
	words := strings.Fields(romanSeparators.Replace(s))
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if !hasArabic(w) {
			if a := asciiOnly(w); a != "" {
				out = append(out, a)
			}
			continue
		}
		key := romanKey(w)
		// عبد + a name of God: one word, as passports write it.
		if key == "عبد" && i+1 < len(words) {
			next := romanKey(words[i+1])
			if r, ok := romanAbd[next]; ok {
				out = append(out, r)
				i++
				continue
			}
			if strings.HasPrefix(next, "ال") {
				out = append(out, "Abdul"+strings.ToLower(romanWord(strings.TrimPrefix(next, "ال"))))
				i++
				continue
			}
		}
		if r, ok := romanNames[key]; ok {
			out = append(out, r)
			continue
		}
		if strings.HasPrefix(key, "ال") && len([]rune(key)) > 3 {
			rest := strings.TrimPrefix(key, "ال")
			if r, ok := romanNames[rest]; ok {
				out = append(out, "Al-"+r)
			} else {
				out = append(out, "Al-"+romanWord(rest))
			}
			continue
		}
		if strings.HasPrefix(key, "ابو") && len([]rune(key)) > 4 { // ابوبكر written as one word
			out = append(out, "Abu "+romanWord(strings.TrimPrefix(key, "ابو")))
			continue
		}
		if r := romanWord(key); r != "" {
			out = append(out, r)
		}
	}
	return strings.Join(out, " ")
}

var romanSeparators = strings.NewReplacer("-", " ", "_", " ", ".", " ", ",", " ", "،", " ")

func hasArabic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Arabic, r) {
			return true
		}
	}
	return false
}

// asciiOnly keeps the ASCII letters and digits of s, accents folded.
func asciiOnly(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'') {
			b.WriteRune(r)
		} else if d := arabicDigit(r); d >= 0 {
			b.WriteByte(byte('0' + d))
		}
	}
	return b.String()
}

func arabicDigit(r rune) int {
	switch {
	case r >= '٠' && r <= '٩':
		return int(r - '٠')
	case r >= '۰' && r <= '۹':
		return int(r - '۰')
	}
	return -1
}

// romanKey unifies the spellings of a word the dictionary is keyed by:
// diacritics and tatweel removed, hamza forms of alef as bare alef, final
// yeh and alef maqsura alike (ى stays, for the a it is read as).
func romanKey(w string) string {
	var b strings.Builder
	for _, r := range w {
		switch {
		case r >= 0x064B && r <= 0x0652, r == 0x0670, r == 0x0640: // harakat, dagger alef, tatweel
		case r == 'أ' || r == 'إ' || r == 'آ' || r == 'ٱ':
			b.WriteRune('ا')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// romanWord spells one Arabic word letter by letter.
func romanWord(w string) string {
	rs := []rune(w)
	var b strings.Builder
	vowel := func() bool { // the last letter written is a vowel
		s := b.String()
		return s != "" && strings.ContainsRune("aeiou", rune(s[len(s)-1]))
	}
	for i, r := range rs {
		first, last := i == 0, i == len(rs)-1
		switch r {
		case 'ا':
			if first {
				b.WriteString("a")
			} else if !vowel() {
				b.WriteString("a")
			}
		case 'و':
			if first || vowel() {
				b.WriteString("w")
			} else {
				b.WriteString("ou")
			}
		case 'ي':
			switch {
			case first || vowel():
				b.WriteString("y")
			case last:
				b.WriteString("i")
			default:
				b.WriteString("ee")
			}
		case 'ى':
			b.WriteString("a")
		case 'ة':
			if !vowel() {
				b.WriteString("a")
			}
		case 'ع', 'ء':
			if first {
				b.WriteString("a")
			} else if !vowel() && !last {
				b.WriteString("a")
			}
		case 'ئ':
			b.WriteString("e")
		case 'ؤ':
			b.WriteString("o")
		default:
			l, ok := romanLetters[r]
			if !ok {
				if d := arabicDigit(r); d >= 0 {
					b.WriteByte(byte('0' + d))
				}
				continue
			}
			// Two consonants at the very start of a word cannot be read:
			// a short a between them.
			if i == 1 && !vowel() && b.Len() > 0 {
				b.WriteString("a")
			}
			b.WriteString(l)
		}
	}
	s := b.String()
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var romanLetters = map[rune]string{
	'ب': "b", 'ت': "t", 'ث': "th", 'ج': "j", 'ح': "h", 'خ': "kh", 'د': "d", 'ذ': "th",
	'ر': "r", 'ز': "z", 'س': "s", 'ش': "sh", 'ص': "s", 'ض': "d", 'ط': "t", 'ظ': "z",
	'غ': "gh", 'ف': "f", 'ق': "q", 'ك': "k", 'ل': "l", 'م': "m", 'ن': "n", 'ه': "h",
	'پ': "p", 'چ': "ch", 'گ': "g", 'ڤ': "v", 'ک': "k", 'ی': "y",
}

// romanAbd spells عبد followed by one of the names of God as one word.
var romanAbd = map[string]string{
	"الله": "Abdullah", "الرحمن": "Abdulrahman", "الرحيم": "Abdulrahim", "الكريم": "Abdulkarim",
	"العزيز": "Abdulaziz", "الحميد": "Abdulhamid", "المجيد": "Abdulmajid", "اللطيف": "Abdullatif",
	"الرزاق": "Abdulrazzaq", "الحليم": "Abdulhalim", "القادر": "Abdulqader", "الناصر": "Abdulnaser",
	"السلام": "Abdulsalam", "الغني": "Abdulghani", "الهادي": "Abdulhadi", "الباسط": "Abdulbaset",
	"الفتاح": "Abdulfattah", "الحكيم": "Abdulhakim", "الوهاب": "Abdulwahab", "الجبار": "Abduljabbar",
	"المنعم": "Abdulmonem", "الرؤوف": "Abdulraouf", "الستار": "Abdulsattar", "الحي": "Abdulhay",
	"الاله": "Abdulilah", "الملك": "Abdulmalik", "الصمد": "Abdulsamad", "الخالق": "Abdulkhaliq",
}

// romanNames are name parts as Arab passports and banks most often spell
// them, keyed by romanKey of the Arabic word.
var romanNames = map[string]string{
	"محمد": "Mohammad", "احمد": "Ahmad", "محمود": "Mahmoud", "مصطفى": "Mustafa", "علي": "Ali",
	"حسن": "Hasan", "حسين": "Hussein", "عمر": "Omar", "عثمان": "Othman", "خالد": "Khaled",
	"ابراهيم": "Ibrahim", "اسماعيل": "Ismail", "يوسف": "Yousef", "يعقوب": "Yacoub", "موسى": "Mousa",
	"عيسى": "Issa", "يحيى": "Yahya", "زكريا": "Zakaria", "سليمان": "Suleiman", "داود": "Dawood",
	"سعيد": "Saeed", "سعد": "Saad", "سالم": "Salem", "صالح": "Saleh", "سامي": "Sami", "سمير": "Samir",
	"طارق": "Tareq", "ماجد": "Majed", "فيصل": "Faisal", "عادل": "Adel", "كريم": "Karim", "رامي": "Rami",
	"ناصر": "Naser", "جمال": "Jamal", "كمال": "Kamal", "حمزة": "Hamza", "بلال": "Bilal", "زيد": "Zaid",
	"وليد": "Walid", "نبيل": "Nabil", "هاني": "Hani", "رشيد": "Rashid", "انس": "Anas", "ايمن": "Ayman",
	"امين": "Amin", "امجد": "Amjad", "اسامة": "Osama", "باسم": "Basem", "بشير": "Bashir", "جميل": "Jamil",
	"حامد": "Hamed", "حمد": "Hamad", "خليل": "Khalil", "راشد": "Rashed", "رائد": "Raed", "زياد": "Ziad",
	"شادي": "Shadi", "طلال": "Talal", "عماد": "Imad", "عمرو": "Amr", "عوض": "Awad", "فادي": "Fadi",
	"فارس": "Fares", "فهد": "Fahad", "فؤاد": "Fouad", "قاسم": "Qasem", "ماهر": "Maher", "مالك": "Malek",
	"مازن": "Mazen", "مراد": "Murad", "منصور": "Mansour", "مهند": "Muhannad", "نادر": "Nader",
	"نزار": "Nizar", "هشام": "Hisham", "وائل": "Wael", "ياسر": "Yaser", "ياسين": "Yassin", "يونس": "Younes",
	"ادريس": "Idris", "جعفر": "Jaafar", "عبيد": "Obaid", "عواد": "Awwad", "منير": "Munir", "نايف": "Nayef",
	"فاطمة": "Fatima", "عائشة": "Aisha", "خديجة": "Khadija", "مريم": "Maryam", "زينب": "Zainab",
	"سارة": "Sara", "نور": "Nour", "ليلى": "Layla", "هدى": "Huda", "امل": "Amal", "منى": "Mona",
	"رنا": "Rana", "سلمى": "Salma", "اسماء": "Asmaa", "امنة": "Amna", "اية": "Aya", "الاء": "Alaa",
	"رحاب": "Rehab", "رقية": "Ruqaya", "سعاد": "Suad", "سهام": "Siham", "صفاء": "Safaa", "عبير": "Abeer",
	"غادة": "Ghada", "فرح": "Farah", "لينا": "Lina", "مها": "Maha", "نادية": "Nadia", "نجلاء": "Najlaa",
	"هالة": "Hala", "هبة": "Heba", "وفاء": "Wafaa", "ياسمين": "Yasmin", "دعاء": "Doaa", "رانيا": "Rania",
	"ريم": "Reem", "زهرة": "Zahra", "سوسن": "Sawsan", "شيماء": "Shaimaa", "حنان": "Hanan", "ايمان": "Iman",
	"بنت": "Bint", "بن": "Bin", "ابن": "Ibn", "ابو": "Abu", "ام": "Um",
	"الله": "Allah", "الدين": "Al-Din", "عبد": "Abd",
}
