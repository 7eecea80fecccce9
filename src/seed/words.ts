/** Words the scale generator builds names and texts from (plain ASCII: no COPY escaping needed). */
export const FIRST_NAMES = [
  'Maya',
  'Jonah',
  'Aria',
  'Theo',
  'Zara',
  'Eli',
  'Nova',
  'Kai',
  'Lena',
  'Milo',
  'Iris',
  'Omar',
  'Sage',
  'Rafa',
  'Noor',
  'Luca',
  'Juno',
  'Ezra',
  'Mina',
  'Felix',
  'Ada',
  'Tariq',
  'Lumi',
  'Rio',
  'Esme',
  'Dante',
  'Wren',
  'Kofi',
];
export const LAST_NAMES = [
  'Rivers',
  'Vale',
  'Okafor',
  'Lindqvist',
  'Moreau',
  'Sato',
  'Reyes',
  'Haddad',
  'Novak',
  'Quinn',
  'Achebe',
  'Costa',
  'Hart',
  'Kimura',
  'Blackwood',
  'Diallo',
  'Ferreira',
  'Galloway',
  'Ivanova',
  'Marsh',
  'Nakamura',
  'Ortega',
];
export const BAND_WORDS = [
  'Neon',
  'Velvet',
  'Paper',
  'Midnight',
  'Static',
  'Golden',
  'Hollow',
  'Satellite',
  'Wild',
  'Glass',
  'Echo',
  'Lunar',
];
export const BAND_NOUNS = [
  'Owls',
  'Tides',
  'Engines',
  'Foxes',
  'Lanterns',
  'Kites',
  'Saints',
  'Rooms',
  'Machines',
  'Ghosts',
];
export const GENRES = [
  'indie pop',
  'hip hop',
  'r&b',
  'electronic',
  'folk',
  'jazz',
  'rock',
  'afrobeats',
  'latin',
  'lo-fi',
  'country',
  'k-pop',
];

export const PLATFORM_NAMES: Record<string, string> = {
  instagram: 'Instagram',
  spotify: 'Spotify',
  youtube: 'YouTube',
  tiktok: 'TikTok',
  apple_music: 'Apple Music',
};

export const INSIGHT_TEMPLATES: Record<string, { title: string; description: string; recommendations: string[] }[]> = {
  brand: [
    {
      title: 'Your visual identity is inconsistent across platforms',
      description: 'Profile images and color palettes differ between your accounts.',
      recommendations: ['Use one profile photo everywhere', 'Pick two brand colors for covers'],
    },
    {
      title: 'Fans respond to behind-the-scenes posts',
      description: 'Studio clips get more saves than polished promo shots.',
      recommendations: ['Post one studio clip a week', 'Show your process, not only results'],
    },
  ],
  content: [
    {
      title: 'Short videos under 20 seconds perform best',
      description: 'Completion rate drops sharply after 20 seconds.',
      recommendations: ['Cut hooks to the first 3 seconds', 'Test 15-second edits'],
    },
    {
      title: 'Evening posts reach more of your audience',
      description: 'Most of your followers are active between 18:00 and 22:00.',
      recommendations: ['Schedule posts for 19:00', 'Go live on weekday evenings'],
    },
  ],
  audience: [
    {
      title: 'A new city is discovering your music',
      description: 'Listeners from a city you have not played grew fast this month.',
      recommendations: ['Run a local ad test', 'Reach out to venues there'],
    },
    {
      title: 'Your audience skews 18-24',
      description: 'Two thirds of engaged followers are 18 to 24.',
      recommendations: ['Lean into platforms this group uses', 'Collaborate with student radio'],
    },
  ],
  growth: [
    {
      title: 'Growth is slowing on your main platform',
      description: 'Follower growth halved compared with last month.',
      recommendations: ['Release a teaser for the next single', 'Answer comments within an hour'],
    },
    {
      title: 'Collaborations drive your biggest jumps',
      description: 'Your last two spikes followed features with other artists.',
      recommendations: ['Plan one collaboration per quarter', 'Duet with a similar-sized creator'],
    },
  ],
  monetization: [
    {
      title: 'Your fans are ready for merch',
      description: 'Engagement per follower is high enough for a small merch drop.',
      recommendations: ['Start with a limited run of 50 shirts', 'Bundle merch with a signed download'],
    },
    {
      title: 'Turn on fan subscriptions',
      description: 'Your most engaged 2% of fans comment on almost every post.',
      recommendations: ['Offer early access to demos', 'Host a monthly fan call'],
    },
  ],
};

export const TASK_TEMPLATES: { title: string; category: string; difficulty: 'easy' | 'medium' | 'hard' }[] = [
  { title: 'Post a 15-second hook from the new track', category: 'content', difficulty: 'easy' },
  { title: 'Reply to every comment on your latest post', category: 'engagement', difficulty: 'easy' },
  { title: 'Update your bio and links on every platform', category: 'branding', difficulty: 'easy' },
  { title: 'Pitch the next single to three playlists', category: 'business', difficulty: 'medium' },
  { title: 'Record a behind-the-scenes studio clip', category: 'content', difficulty: 'medium' },
  { title: 'Go live for 30 minutes', category: 'engagement', difficulty: 'medium' },
  { title: 'Reach out to a producer for a collaboration', category: 'networking', difficulty: 'medium' },
  { title: 'Watch a course module on music marketing', category: 'learning', difficulty: 'easy' },
  { title: 'Plan a release calendar for the next quarter', category: 'business', difficulty: 'hard' },
  { title: 'Shoot a music video on a phone', category: 'content', difficulty: 'hard' },
  { title: 'Design a merch mockup', category: 'branding', difficulty: 'medium' },
  { title: 'Write down three goals for the month', category: 'general', difficulty: 'easy' },
];

export const SYSTEM_NOTIFICATIONS: { title: string; body: string }[] = [
  { title: 'Dream Suite got better', body: 'New insights for TikTok trends are live.' },
  { title: 'Reconnect Instagram', body: 'Your Instagram token expires soon; reconnect to keep metrics flowing.' },
  { title: 'Your weekly summary is ready', body: 'See how your audience grew this week.' },
];

export const CONTENT_TAGS = [
  'live',
  'acoustic',
  'studio',
  'teaser',
  'cover',
  'remix',
  'tour',
  'dance',
  'lyrics',
  'duet',
  'vlog',
];
