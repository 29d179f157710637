package demo

import "github.com/tadamun/tadamun/internal/member"

type demoMember struct {
	member.Member
	areas []member.Area
}

func area(level, code, parent, ar, en string) member.Area {
	return member.Area{Level: level, Code: code, ParentCode: parent, NameAR: ar, NameEN: en}
}

const (
	gov = member.Governorate
	dis = member.District
	loc = member.Locality
)

// members are two member states with a real administrative layout (a part
// of it) and their own currencies: JOD has three decimals, EGP two.
var members = []demoMember{
	{
		Member: member.Member{Code: "JO", Kind: member.State, NameAR: "المملكة الأردنية الهاشمية", NameEN: "Jordan", Currency: "JOD",
			Timezone: "Asia/Amman", CallingCode: "962", IDLabelAR: "الرقم الوطني", IDLabelEN: "National number"},
		areas: []member.Area{
			area(gov, "AM", "", "عمّان", "Amman"),
			area(gov, "IR", "", "إربد", "Irbid"),
			area(gov, "ZA", "", "الزرقاء", "Zarqa"),
			area(gov, "MA", "", "المفرق", "Mafraq"),
			area(gov, "KA", "", "الكرك", "Karak"),
			area(dis, "AM-QS", "AM", "لواء قصبة عمان", "Qasabat Amman"),
			area(dis, "AM-MR", "AM", "لواء ماركا", "Marka"),
			area(dis, "AM-SH", "AM", "لواء سحاب", "Sahab"),
			area(dis, "IR-QS", "IR", "لواء قصبة إربد", "Qasabat Irbid"),
			area(dis, "IR-RM", "IR", "لواء الرمثا", "Ramtha"),
			area(dis, "ZA-QS", "ZA", "لواء قصبة الزرقاء", "Qasabat Zarqa"),
			area(dis, "ZA-RS", "ZA", "لواء الرصيفة", "Russeifa"),
			area(dis, "MA-QS", "MA", "لواء قصبة المفرق", "Qasabat Mafraq"),
			area(dis, "KA-QS", "KA", "لواء قصبة الكرك", "Qasabat Karak"),
			area(loc, "AM-QS-01", "AM-QS", "جبل النزهة", "Jabal al-Nuzha"),
			area(loc, "AM-QS-02", "AM-QS", "جبل الحسين", "Jabal al-Hussein"),
			area(loc, "AM-MR-01", "AM-MR", "ماركا الشمالية", "North Marka"),
			area(loc, "AM-MR-02", "AM-MR", "حي نزال", "Hay Nazzal"),
			area(loc, "AM-SH-01", "AM-SH", "سحاب", "Sahab"),
			area(loc, "IR-QS-01", "IR-QS", "الحصن", "Al-Husn"),
			area(loc, "IR-QS-02", "IR-QS", "بيت راس", "Beit Ras"),
			area(loc, "IR-RM-01", "IR-RM", "الرمثا", "Ramtha"),
			area(loc, "ZA-QS-01", "ZA-QS", "الزرقاء الجديدة", "New Zarqa"),
			area(loc, "ZA-RS-01", "ZA-RS", "الرصيفة", "Russeifa"),
			area(loc, "MA-QS-01", "MA-QS", "المفرق", "Mafraq"),
			area(loc, "MA-QS-02", "MA-QS", "الزعتري", "Zaatari"),
			area(loc, "KA-QS-01", "KA-QS", "الكرك", "Karak"),
			area(loc, "KA-QS-02", "KA-QS", "مؤتة", "Mutah"),
		},
	},
	{
		Member: member.Member{Code: "EG", Kind: member.State, NameAR: "جمهورية مصر العربية", NameEN: "Egypt", Currency: "EGP",
			Timezone: "Africa/Cairo", CallingCode: "20", IDLabelAR: "الرقم القومي", IDLabelEN: "National ID"},
		areas: []member.Area{
			area(gov, "C", "", "القاهرة", "Cairo"),
			area(gov, "ASN", "", "أسوان", "Aswan"),
			area(dis, "C-SHB", "C", "حي شبرا", "Shubra"),
			area(dis, "ASN-KO", "ASN", "مركز كوم أمبو", "Kom Ombo"),
			area(loc, "C-SHB-01", "C-SHB", "روض الفرج", "Rod al-Farag"),
			area(loc, "ASN-KO-01", "ASN-KO", "دراو", "Daraw"),
		},
	},
}
