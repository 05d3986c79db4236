// English function words (after the common SMART / scikit-learn lists) plus the boilerplate of paper abstracts:
// words every topic uses ("propose", "results", "state-of-the-art") say nothing about what a topic is.
const ENGLISH = `a about above across after afterwards again against all almost alone along already also although always am
among amongst an and another any anyhow anyone anything anyway anywhere are around as at be became because become
becomes becoming been before beforehand behind being below beside besides between beyond both but by can cannot could
did do does doing done down due during each either else elsewhere enough etc even ever every everyone everything
everywhere except few for former formerly from further had has have having he hence her here hereby herein hers herself
him himself his how however i ie if in indeed into is it its itself just last latter least less many may me meanwhile
might mine more moreover most mostly much must my myself namely neither never nevertheless next no nobody none nor not
nothing now nowhere of off often on once one only onto or other others otherwise our ours ourselves out over own per
perhaps rather same seem seemed seeming seems several she should since so some somehow someone something sometime
sometimes somewhere still such than that the their theirs them themselves then thence there thereafter thereby
therefore therein thereupon these they this those though through throughout thru thus to together too toward towards
under until up upon us very via was we well were what whatever when whence whenever where whereas whereby wherein
whether which while whither who whoever whole whom whose why will with within without would yet you your yours
yourself yourselves its it's don't can't won't isn't aren't doesn't didn't two three four five first second third
new use used uses using make makes made like get gets got way ways without`;

const ACADEMIC = `paper papers propose proposes proposed proposing present presents presented introduce introduces
introduced introducing show shows shown showing demonstrate demonstrates demonstrated study studies studied work works
approach approaches method methods methodology result results performance performances state art state-of-the-art sota
novel existing extensive experiment experiments experimental evaluation evaluations evaluate evaluated evaluating
achieve achieves achieved achieving outperform outperforms outperforming significantly significant effective
effectively efficient efficiency improve improves improved improving improvement improvements framework frameworks
based task tasks problem problems challenge challenges challenging key various different specific including include
includes however furthermore moreover recent recently code available github https http www com org large-scale large
across within given also provide provides provided enable enables enabling allows allow leverage leverages leveraging
address addresses addressed aim aims paradigm despite remains remain critical crucial limited limitations specifically
particular particularly substantially substantial superior compared comparison baseline baselines analysis analyze
real-world real world wide range robust robustness achieve effectiveness generalization accuracy accurate process
information system systems design designed designing strong stronger better best even set settings setting several
application applications end end-to-end level levels small scale high-quality quality lack often usually typically
require requires required requiring significant fundamental towards toward evaluate reveals reveal revealing finding
findings insight insights open open-source source public released release toolkit time times step steps stage stages
strategy strategies component components module modules mechanism mechanisms capability capabilities potential
ability abilities consistent consistently simple general generally first-order two-stage multi single-stage
reach reaches reached give gives exactly find finds found reduce reduces reduced reducing yield yields matched
single fixed average measured obtain obtains obtained able`;

/** Too common on their own, but they make good phrases: "reinforcement learning", "diffusion models". */
export const GENERIC_WORDS: ReadonlySet<string> = new Set(
  `data dataset datasets benchmark benchmarks model models modeling modelling learning training trained train high low
  network networks neural llm llms`.split(/\s+/).filter(Boolean),
);

export const STOP_WORDS: ReadonlySet<string> = new Set(`${ENGLISH} ${ACADEMIC}`.split(/\s+/).filter(Boolean));
