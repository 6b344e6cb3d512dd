/**
 * A little ordinary English from which the fixture tokenizer learns its merges, so that everyday text
 * tokenizes into multi-byte tokens. Changing it changes every generated model (and the golden hashes).
 */
export const mergeCorpus = `
The morning train was late again, so the people on the platform did what people always do: they looked
at their phones, then at the clock, then at each other. A woman with a blue umbrella said that the weather
would turn before noon. Nobody believed her, but by the time the train came in, the first drops of rain
were already falling on the roof of the station.

When you write a program, you should think about the person who will read it after you. Good code says
what it does in plain words. It uses names that explain themselves, and it keeps each part small enough
to hold in your head at one time. If a function needs a long comment to explain what it is for, that is
often a sign that it is doing too many things at once.

There is a small village at the edge of the forest where the river turns to the north. In the summer the
children swim in the cold water and the old men sit in the shade and talk about the years when the winters
were longer and the harvest was better. In the evening the lights come on one by one, and you can hear the
sound of music from the open windows of the houses along the main street.

The model reads a question, thinks for a moment, and then writes an answer one token at a time. Each new
token depends on all of the tokens that came before it. The gateway counts the tokens as they stream back
to the client, and the client pays for each one through a payment channel that both sides have signed.
This is how the system keeps everyone honest without asking them to trust each other.

What would you like to know? I can help you with questions about history, science, writing, and many
other things. Please tell me more about what you need, and I will do my best to give you a clear and
useful answer. Thank you for your patience while I think about it.

She opened the letter and read it twice. Her brother had found work in the city, and he was going to
stay there for the rest of the year. He said that the streets were loud and the rooms were small, but
the people were kind and the food was good. He asked her to come and visit him in the spring, when the
trees in the park would be green again and the days would be long enough for walking after dinner.
Here is a simple recipe for bread. Mix four cups of flour with a spoon of salt and a little sugar. Add
warm water and yeast, then work the dough with your hands for ten minutes until it feels smooth. Cover
the bowl and leave it in a warm place for an hour, until the dough has grown to twice its size. Shape it
into a loaf, let it rest again, and bake it in a hot oven for forty minutes. The bread is ready when the
crust is brown and the bottom sounds hollow when you knock on it.

Scientists have learned a great deal about the stars by studying the light that reaches us from them.
Every star is a ball of hot gas, and the color of its light tells us how hot it is. Some stars are much
larger than our sun, and some are much smaller. Many of them have planets, and some of those planets may
have water on their surface. Nobody knows yet whether there is life anywhere else, but the question is
one of the most interesting that people have ever asked.
`;
