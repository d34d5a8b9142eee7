/**
 * The little words of en, es, fr, de, it, nl and pt, folded: never evidence
 * of anything, so the model's evidence skips them.
 */
export const STOPWORDS = new Set(
  `the a an and or but of to in on at for with from by is are was were be been am i me my we our you your he she
  it its they them their this that these those there here what who which when where why how do does did have has
  had not no yes so very just than then too can could will would should may might must let get got all any some
  el la los las un una unos unas y o pero de del al en con por para es son fue era ser yo mi mis tu tus su sus
  nos nuestro que quien como cuando donde muy mas ya no si lo le les se me te este esta esto ese esa hay
  le la les un une des et ou mais de du au aux en dans avec pour par sur est sont etait etre je moi mon ma mes
  tu ton ta tes il elle nous vous ils elles leur leurs que qui quoi comme quand ou tres plus pas ne ce cette
  ces ca y a
  der die das den dem des ein eine einen einem einer und oder aber von zu im in am an auf mit fur bei ist sind
  war waren sein ich mich mir mein meine du dein er sie es wir uns unser ihr euch euer was wer wie wann wo sehr
  nicht kein keine noch schon auch nur so
  il lo la i gli le un uno una e o ma di da del della dei delle in con per su che chi come quando dove sono
  era essere io mi mio mia tu ti tuo noi ci voi vi loro non piu molto gia anche
  de het een en of maar van te in op aan met voor bij is zijn was waren ik mij mijn jij je jouw u uw hij zij
  wij ons onze jullie wat wie hoe wanneer waar niet geen nog al ook heel er dat dit die deze
  o a os as um uma uns umas e ou mas de do da dos das em no na nos nas com por para e sao foi era ser eu me
  meu minha voce voces ele ela nos nosso vos que quem como quando onde muito mais ja nao sim isso isto esse essa`
    .split(/\s+/)
    .filter(Boolean),
);
