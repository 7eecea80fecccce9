/** Connection strings are printed with the password redacted, everywhere. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '*****';
    for (const key of ['password', 'sslpassword']) {
      if (parsed.searchParams.has(key)) parsed.searchParams.set(key, '*****');
    }
    return parsed.toString();
  } catch {
    // Not a URL we can parse: hide anything between "://user:" and "@".
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1*****@');
  }
}

/** Removes every occurrence of secrets (passwords of known URLs) from free text. */
export function redactText(text: string, urls: readonly string[]): string {
  let out = text;
  for (const url of urls) {
    let password = '';
    try {
      password = decodeURIComponent(new URL(url).password);
    } catch {
      continue;
    }
    if (password.length >= 3) out = out.split(password).join('*****');
    out = out.split(url).join(redactUrl(url));
  }
  return out;
}
