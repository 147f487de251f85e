/**
 * GET /api/profiles: the cost profiles with their clock, so the dashboard can put modeled cycles
 * in ns beside this host's kernel (a profile's ns are its cycles ÷ its GHz).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { loadProfile, profileNames } from '../../sim/index.js';

export const ProfileInfo = Type.Object({
  name: Type.String(),
  description: Type.String(),
  ghz: Type.Number(),
  pti: Type.Boolean(),
  apicMode: Type.String(),
});

const ProfileList = Type.Object({ profiles: Type.Array(ProfileInfo) });

export const profileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const list = {
    profiles: profileNames().map((name) => {
      const p = loadProfile(name);
      return {
        name,
        description: p.description,
        ghz: p.ghz,
        pti: p.pti,
        apicMode: p.settings.apicMode.value,
      };
    }),
  };
  app.get('/profiles', { schema: { response: { 200: ProfileList } } }, async () => list);
};
