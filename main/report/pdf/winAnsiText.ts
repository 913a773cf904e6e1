/**
 * Text for pdfkit's standard fonts (Helvetica ...), which can only print WinAnsi (Windows-1252):
 * any other character comes out as garbage (an emoji prints as "Ø=Þ"). Patient names and free text
 * come from anywhere, so every string that reaches the PDF goes through toWinAnsi: accents the
 * font has are kept (Müller, Øster), other Latin letters lose their marks (Łukasz -> Lukasz),
 * Greek and Cyrillic are transliterated, anything else becomes "?".
 */

/** The Windows-1252 characters above 0x7F outside Latin-1 (0x80-0x9F) that pdfkit maps. */
const CP1252_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/** Latin letters that Unicode does not decompose into a base letter and a mark. */
const LATIN_SPECIAL: Readonly<Record<string, string>> = {
  Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ħ: 'H', ħ: 'h', ı: 'i', Ŀ: 'L', ŀ: 'l', Ŧ: 'T', ŧ: 't',
  Ŋ: 'N', ŋ: 'n', ĸ: 'k', ſ: 's', Ə: 'E', ə: 'e', Ɛ: 'E', ɛ: 'e', Ɔ: 'O', ɔ: 'o', Ʒ: 'Z', ʒ: 'z',
  Ĳ: 'IJ', ĳ: 'ij', ẞ: 'SS',
};

const CYRILLIC: Readonly<Record<string, string>> = {
  А: 'A', Б: 'B', В: 'V', Г: 'G', Д: 'D', Е: 'E', Ё: 'Yo', Ж: 'Zh', З: 'Z', И: 'I', Й: 'Y', К: 'K', Л: 'L', М: 'M',
  Н: 'N', О: 'O', П: 'P', Р: 'R', С: 'S', Т: 'T', У: 'U', Ф: 'F', Х: 'Kh', Ц: 'Ts', Ч: 'Ch', Ш: 'Sh', Щ: 'Shch',
  Ъ: '', Ы: 'Y', Ь: '', Э: 'E', Ю: 'Yu', Я: 'Ya', Є: 'Ye', І: 'I', Ї: 'Yi', Ґ: 'G', Ў: 'U', Ј: 'J', Љ: 'Lj', Њ: 'Nj',
  Ћ: 'C', Џ: 'Dz', Ђ: 'Dj', Ѕ: 'Dz',
};

const GREEK: Readonly<Record<string, string>> = {
  Α: 'A', Β: 'V', Γ: 'G', Δ: 'D', Ε: 'E', Ζ: 'Z', Η: 'I', Θ: 'Th', Ι: 'I', Κ: 'K', Λ: 'L', Μ: 'M', Ν: 'N', Ξ: 'X',
  Ο: 'O', Π: 'P', Ρ: 'R', Σ: 'S', ς: 's', Τ: 'T', Υ: 'Y', Φ: 'F', Χ: 'Ch', Ψ: 'Ps', Ω: 'O',
};

/** Typographic characters with a plain equivalent the font has. */
const PUNCTUATION: Readonly<Record<string, string>> = {
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2212': '-', '\u2032': "'", '\u2033': '"', '\u2192': '->', '\u2190': '<-',
  '\u2264': '<=', '\u2265': '>=', '\u2248': '~', '\u2260': '!=', '\u2009': ' ', '\u200A': ' ', '\u202F': ' ', '\u2007': ' ',
  '\u3000': ' ', '\u00A0': ' ',
};

function transliterate(char: string): string | undefined {
  const lower = char.toLowerCase();
  for (const table of [CYRILLIC, GREEK]) {
    if (table[char] !== undefined) return table[char];
    const upper = char.toUpperCase();
    if (upper !== char && table[upper] !== undefined) return table[upper].toLowerCase();
    if (lower !== char && table[lower] !== undefined) return table[lower];
  }
  return undefined;
}

export function isWinAnsi(char: string): boolean {
  const code = char.codePointAt(0)!;
  return (code >= 0x20 && code <= 0x7e) || code === 0x0a || (code >= 0xa0 && code <= 0xff) || CP1252_EXTRAS.has(char);
}

/**
 * The string in characters the standard PDF fonts can print. Never throws; control characters
 * (other than newline) become spaces, unprintable characters "?", emoji and other pictographs
 * are dropped.
 */
export function toWinAnsi(text: string): string {
  let out = '';
  // Greek "ου" is one sound, "ou" (Papadopoulos, not Papadopoylos).
  const source = text.normalize('NFC').replace(/([Οο])([ΥυύΎ])/g, (_, o: string, u: string) => (o === 'Ο' && (u === 'Υ' || u === 'Ύ') ? 'OU' : o === 'Ο' ? 'Ou' : 'ou'));
  for (const char of source) {
    if (isWinAnsi(char)) {
      out += char;
      continue;
    }
    const code = char.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) {
      out += ' ';
      continue;
    }
    if (PUNCTUATION[char] !== undefined) {
      out += PUNCTUATION[char];
      continue;
    }
    if (LATIN_SPECIAL[char] !== undefined) {
      out += LATIN_SPECIAL[char];
      continue;
    }
    // Accented letters outside WinAnsi: drop marks from the last until the font has the letter,
    // so ễ keeps its circumflex (ê) and ř, ą, ș become r, a, s.
    let decomposed = char.normalize('NFD');
    let kept: string | undefined;
    while (/\p{M}$/u.test(decomposed)) {
      decomposed = [...decomposed].slice(0, -1).join('');
      const composed = decomposed.normalize('NFC');
      if ([...composed].every(isWinAnsi)) {
        kept = composed;
        break;
      }
    }
    if (kept !== undefined) {
      out += kept;
      continue;
    }
    const base = char.normalize('NFKD').replace(/\p{M}/gu, '');
    if (base !== '' && [...base].every(isWinAnsi)) {
      out += base;
      continue;
    }
    const latin = transliterate(char) ?? transliterate(base);
    if (latin !== undefined) {
      out += latin;
      continue;
    }
    // Combining marks, variation selectors, zero-width joiners and pictographs carry no letter.
    if (/[\p{M}\p{Extended_Pictographic}\p{Emoji_Modifier}\u200B-\u200D\uFE00-\uFE0F]/u.test(char)) continue;
    out += '?';
  }
  return out;
}

/**
 * A DICOM person name (PN: "Family^Given^Middle^Prefix^Suffix", up to three "=" groups:
 * alphabetic, ideographic, phonetic) as printed on the report: "FAMILY, Given Middle". The first
 * group the font can print is used (Japanese names usually carry a romanised first group); a
 * name in a script that cannot be transliterated says so instead of printing question marks.
 */
export function printablePersonName(personName: string | null | undefined): string {
  if (personName === null || personName === undefined || personName.trim() === '') return 'not recorded';
  const groups = personName.split('=').filter((group) => group.replace(/\^/g, '').trim() !== '');
  for (const group of groups) {
    const formatted = formatNameGroup(group);
    const printable = toWinAnsi(formatted);
    // A few "?" in a long name still identify the patient; a name of mostly "?" does not.
    const unknown = printable.replace(/[^?]/g, '').length;
    const letters = printable.replace(/[\s,?]/g, '').length;
    if (letters > 0 && unknown * 3 <= letters) return printable;
  }
  return '(name in a script this PDF font cannot print; see patient ID)';
}

function formatNameGroup(group: string): string {
  if (!group.includes('^')) return group.trim();
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = group.split('^').map((part) => part.trim());
  const rest = [prefix, given, middle].filter((part) => part !== '').join(' ');
  const name = [family, rest].filter((part) => part !== '').join(', ');
  return suffix === '' ? name : `${name}, ${suffix}`;
}
