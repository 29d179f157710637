// Package arabic turns Arabic and Latin names, free text, numbers, dates and
// phone numbers into the keys Tadamun searches, matches and deduplicates on.
// Every function is pure, allocation-light and safe for concurrent use; they
// run over millions of names during import, search and deduplication.
//
// # Normalize
//
// Normalize folds text in this order, each rule for a reason:
//
//   - Unicode compatibility decomposition (NFKD, golang.org/x/text/unicode/norm)
//     folds presentation forms copied from PDFs (ﻣﺤﻤﺪ → محمد, ﷲ → الله,
//     ﻻ → لا), full-width and superscript digits, and splits hamza seats
//     and accented Latin letters into base letter plus mark. Decomposing
//     rather than composing (NFKC) lets the next rule drop the marks, so
//     أ إ آ, ؤ, ئ and é fold to ا, و, ي and e for free.
//   - Combining marks are removed: harakat, tanween, shadda, sukun,
//     superscript alef, maddah, hamza above and below, Quranic marks, Latin
//     accents. So are tatweel (ـ), high hamza (ٴ), the small waw and yeh,
//     format characters (ZWNJ, ZWJ, LRM, RLM, ALM) and apostrophes inside
//     transliterated words (Ma'moun → mamoun).
//   - Alef forms ٱ ٲ ٳ ٵ → ا: hamza on alef is the most often omitted mark.
//   - Ta marbuta ة → ه: in handwriting and typing both are used for the same
//     final letter; Tadamun folds to ه because a final ه cannot be "undotted"
//     further, whereas the reverse would need to guess which ه were ة.
//   - Alef maqsura ى → ي: Egyptian usage writes final ي without dots, so the
//     dotless form is unreliable in either direction; ي is the folded form.
//   - Persian, Urdu, Kurdish and Maghrebi letter forms that reach registry
//     data from other keyboards and scripts are folded to the Arabic letter a
//     native writer would type: ی ې ۍ ێ ے → ي, ک ڪ → ك, ھ ہ ە ۿ → ه,
//     ۃ → ة, Kurdish waw forms → و, and the letters for sounds Arabic spells
//     with its own letters: پ → ب, چ → ج, ژ → ز, ڤ ڥ → ف, ڨ → ق, and
//     گ ڭ → ك (the gaf is a kaf with a stroke; Iraqi and Gulf گ names also
//     appear with ق or ج, which only Phonetic and Translit bring closer).
//     NFKC does not touch these letters, nor Arabic-Indic digits, hence
//     the explicit table.
//   - Digits ٠-٩ and ۰-۹ → 0-9; the Arabic thousands separator ٬ is removed.
//   - Latin and other cased letters are lower-cased.
//   - Every other character (punctuation, symbols, spaces) separates words;
//     runs of separators become one space, trimmed at both ends.
//
// The output holds only letters, ASCII digits and single spaces, and
// Normalize(Normalize(s)) == Normalize(s) (checked by FuzzNormalize).
//
// # Name keys
//
// NameKey joins compound names so that a space typed or not typed does not
// matter: the prefixes عبد and ابو (and their Latin forms abd, abdel, abdul,
// abu, abou, …) join the next word; the suffixes الله, الدين and الاسلام join
// the word before (فتح الله → فتحالله, نور الدين → نورالدين); a lone article
// ال, al or el joins the next word (عبد ال رحمن → عبدالرحمن, El Sayed →
// elsayed). FamilyKey also removes a leading ال (or Latin al/el) from each
// word, for family names written with and without it; words that would keep
// fewer than three Arabic (four Latin) letters stay intact.
//
// # Transliteration and phonetic keys
//
// Translit reduces Arabic and Latin spellings of a name to one consonant
// skeleton written in Latin letters. Letters Latin spellings do not tell
// apart share a symbol (ت/ط t, س/ص s, د/ض d, ذ/ز/ظ z, ح/ه h, ق/ك k); ش, خ, غ
// are c, x, g to meet the digraphs sh/ch, kh, gh; ث is "th"; Latin g is j
// (Egyptian Gamal = Jamal = جمال), p is b, v is f. Vowels are dropped except
// a leading one, which becomes a (Omar = عمر = amr); ا, ء and ع count as
// vowels. و is kept as w (so محمد "mhmd" ≠ محمود "mhmwd", and Latin ou/oo is
// w: Mahmoud, Youssef), ي only at the start of a word (Karim = كريم). A
// final ة, and a final ه after a consonant, are dropped (Fatima = فاطمة =
// فاطمه). The endings -allah/-ullah/-alla and الله become "lh" (Abdullah =
// Abd Allah = عبد الله = abdlh). Doubled symbols collapse.
//
// Known limits of Translit, accepted to keep keys simple: Latin spellings
// that write short u as "ou" (Moustafa, Mourad) keep a w; Yusuf/Nur without
// "ou" lose it; Hassan and Hussein both give "hsn"; Latin final "ah" keeps
// its h (Sarah ≠ سارة) because the same ending spells a real ح (Saleh =
// صالح). Callers use Translit to find candidates, never to decide a match.
//
// Phonetic is Translit with w and y dropped after the first letter of each
// word: a coarser key for dedup blocking where محمد and محمود fall together.
//
// # Numbers, dates and phones
//
// Digits, ParseInt, ParseDecimal, ParseDate, PhoneKey and DigitsOnly accept
// Western, Arabic-Indic and Eastern Arabic-Indic digits everywhere. Parse
// errors are *errs.Error with code errs.Invalid and keys "arabic.bad_number"
// and "arabic.bad_date" (catalogs in internal/i18n/catalog/{ar,en}/arabic.json).
package arabic
