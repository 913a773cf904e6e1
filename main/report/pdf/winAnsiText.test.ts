import { describe, expect, it } from 'vitest';
import { isWinAnsi, printablePersonName, toWinAnsi } from './winAnsiText.js';

describe('toWinAnsi', () => {
  it('keeps what the standard fonts print, including Latin-1 accents and Windows-1252 punctuation', () => {
    const text = 'Müller, Øster, Ærø, Façade – “quoted” … €5 · 3 mm² 4 mm³';
    expect(toWinAnsi(text)).toBe(text);
  });

  it('strips marks the font lacks, maps special Latin letters, transliterates Greek and Cyrillic', () => {
    expect(toWinAnsi('Łukasz Żółć Dvořák Ştefan Nguyễn Đặng')).toBe('Lukasz Zólc Dvorák Stefan Nguyên Dang');
    expect(toWinAnsi('Иванов Иван Щукин')).toBe('Ivanov Ivan Shchukin');
    expect(toWinAnsi('Παπαδόπουλος')).toBe('Papadopoulos');
  });

  it('replaces what it cannot print with "?", drops emoji and control characters, never garbage', () => {
    expect(toWinAnsi('山田')).toBe('??');
    expect(toWinAnsi('ok 😀👍🏽 done')).toBe('ok  done');
    expect(toWinAnsi('a\u0000b\tc')).toBe('a b c');
    expect(toWinAnsi('≥ 2.5 → yes')).toBe('>= 2.5 -> yes');
    for (const char of toWinAnsi('混合 text Ελληνικά русский 😀 ✓ ∑ \u{1F600}')) expect(isWinAnsi(char)).toBe(true);
  });
});

describe('printablePersonName', () => {
  it('formats DICOM person names as "FAMILY, Given Middle"', () => {
    expect(printablePersonName('DOE^JOHN')).toBe('DOE, JOHN');
    expect(printablePersonName('Doe^John^Q^Dr^Jr')).toBe('Doe, Dr John Q, Jr');
    expect(printablePersonName('Anonymous')).toBe('Anonymous');
    expect(printablePersonName(null)).toBe('not recorded');
    expect(printablePersonName('  ')).toBe('not recorded');
  });

  it('uses the first printable component group, or says the name cannot be printed', () => {
    expect(printablePersonName('Yamada^Tarou=山田^太郎=やまだ^たろう')).toBe('Yamada, Tarou');
    expect(printablePersonName('=山田^太郎=やまだ^たろう')).toBe('(name in a script this PDF font cannot print; see patient ID)');
    expect(printablePersonName('Иванов^Иван')).toBe('Ivanov, Ivan');
  });
});
