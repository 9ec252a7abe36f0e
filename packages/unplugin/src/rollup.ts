import { unplugin } from './index'

export default unplugin.rollup
