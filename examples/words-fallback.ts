/**
 * A small bundled list of common English words, for examples/char-rnn.ts when Debian's
 * `wamerican` word list (/usr/share/dict/words) is not installed. Written for this repository.
 */
export const FALLBACK_WORDS: readonly string[] = `
able about above accept across act action add address after again against age agree air all allow
almost alone along already also always among amount and animal another answer any appear apple area
arm army around arrive art ask attack away baby back bad bag ball bank bar base basket bear beat
beautiful because become bed before begin behind believe bell belong below best better between big
bird birth black blood blow blue board boat body bone book border born both bottle bottom box boy
brain branch bread break bridge bright bring broad brother brown build burn busy butter button buy
cake call camp can candle capital captain car card care carry case castle cat catch cause cell center
chair chance change charge cheap check cheese chicken child choose church circle city class clean
clear climb clock close cloth cloud coast coat cold collect color come common company compare complete
contain control cook cool copper corn corner correct cost cotton could count country course cover cow
crack cream create crop cross crowd cry cup current curtain cut dance danger dark daughter day dead
deal dear death decide deep degree depend describe desert design develop dictionary die differ
difficult dinner direct discover distant divide doctor dog dollar door double down draw dream dress
drink drive drop dry duck during dust duty each ear early earth east easy eat edge effect egg eight
either electric element else empty end enemy engine enough enter equal even evening event ever every
exact example except excite exercise expect experience explain eye face fact fair fall family famous
far farm fast father fear feather feed feel feet fellow few field fight figure fill final find fine
finger finish fire first fish fit five flag flat floor flower fly follow food foot force forest forget
form forward four free fresh friend from front fruit full fun garden gas gate gather general gentle
get gift girl give glad glass go gold good govern grass gray great green ground group grow guard guess
guide hair half hall hand happen happy hard harvest hat have head hear heart heat heavy help here
hidden high hill history hold hole home honey hope horse hospital hot hour house huge human hundred
hunt hurry ice idea imagine inch include indicate industry insect instant instrument interest invent
iron island jacket join journey joy judge jump just keep kettle key kill kind king kitchen knee knife
knot know lady lake land language large last late laugh law lay lead learn leather leave left leg
lemon length lesson letter level library lie life lift light like line lion liquid list listen little
live long look lost loud love low lunch machine magnet main major make man many map mark market master
match matter meal mean measure meat meet melody member memory metal middle might mile milk million mind
minute mirror miss modern moment money monkey month moon more morning most mother motion mountain mouse
mouth move much muscle music must name nation nature near neck need needle neighbor nest net never new
next night nine noble noise north nose note nothing notice noun number ocean offer office often oil old
once only open orange order organ other ounce our out oven over own oxygen page paint pair paper parent
park part party pass past path pattern pay peace pencil people perhaps person picture piece pig pilot
pin pipe place plain plan plane plant plate play please plural pocket poem point poison polish poor
populate port position possible potato pound power practice present press pretty price print prison
problem produce product proper protect proud provide pull pump pupil push put quart question quick
quiet quite quotient rabbit race radio rail rain raise range rather reach read ready real reason
receive record region remember repeat reply report require rest result rich ride right ring rise river
road rock roll roof room root rope rose round row rub rule run safe sail salt same sand save say
scale school science score sea search season seat second section see seed seem select self sell send
sense sentence separate serve settle seven several shade shadow shake shape share sharp sheep sheet
shelf shell shine ship shirt shoe shoot shop shore short shoulder shout show side sight sign silent
silver simple since sing sister sit six size skill skin sky sleep slip slow small smell smile smoke
snake snow soap soft soil soldier solution some son song soon sound south space speak special speed
spell spend spoon sport spread spring square stage stand star start station stay steam steel step
stick still stone stop store storm story straight strange stream street stretch strong student study
subject sudden sugar summer sun supply support sure surface surprise sweet swim system table tail take
talk tall teach team teeth tell ten term test than thank thick thin thing think third thought thousand
three through throw thumb thunder ticket tiger time tiny tired together tomorrow tongue tool top total
touch toward town track trade train travel tree triangle trip trouble truck true try tube turn twenty
under unit until upon use usual valley value various vessel view village visit voice vowel wagon wait
walk wall want war warm wash watch water wave way wear weather week weight west wheel when where while
whistle white whole wide wife wild will win wind window wing winter wire wise wish woman wonder wood
word work world write wrong yard year yellow young zero zone
`
  .split(/\s+/)
  .filter((w) => w !== "");
